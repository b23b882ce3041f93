// Protocol codec costs: parsing requests and composing replies, without the
// network. Compare protocols case by case (Ascii* here; the binary and
// compact protocols add theirs next to these).

#include <string>

#include "benchmark/benchmark.h"
#include "protocols/ascii/ascii_parser.h"
#include "protocols/ascii/ascii_session.h"
#include "src/core/clock.h"
#include "src/core/executor.h"
#include "src/storage/engine_handler.h"
#include "src/storage/memory_engine.h"

namespace tinkercache {
namespace {

void BM_AsciiParseGet(benchmark::State& state) {
  const std::string in = "get user:0000001234\r\n";
  ascii::Command command;
  for (auto _ : state) {
    auto r = ascii::Parse(in, ascii::Limits{}, &command);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(command);
  }
  state.SetBytesProcessed(state.iterations() * in.size());
}
BENCHMARK(BM_AsciiParseGet);

void BM_AsciiParseSet(benchmark::State& state) {
  const std::string in =
      "set user:0000001234 0 0 100\r\n" + std::string(100, 'v') + "\r\n";
  ascii::Command command;
  for (auto _ : state) {
    auto r = ascii::Parse(in, ascii::Limits{}, &command);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(command);
  }
  state.SetBytesProcessed(state.iterations() * in.size());
}
BENCHMARK(BM_AsciiParseSet);

// A whole session over a null handler: parse, dispatch and compose only.
class CannedHandler final : public Handler {
 public:
  Status Get(const Request& request, ResponseSink& sink) override {
    Response r;
    r.key = request.key;
    r.value = value_;
    sink.Send(r);
    return Status::kOk;
  }
  Status Set(const Request&, ResponseSink& sink) override {
    return Reply(sink, Status::kOk);
  }

 private:
  std::string value_ = std::string(100, 'v');
};

void RunSession(benchmark::State& state, const std::string& one) {
  // 16 pipelined requests per batch, as a connection sees them.
  std::string batch;
  for (int i = 0; i < 16; ++i) batch += one;
  Settings settings;
  CannedHandler handler;
  StatsRegistry registry(settings, SystemClock::Instance());
  Executor executor(handler, registry);
  ascii::AsciiSession session(executor);
  OutBuffer out;
  for (auto _ : state) {
    out.Clear();
    auto r = session.Process(batch, out);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * 16);
}

void BM_AsciiSessionGetHit(benchmark::State& state) {
  RunSession(state, "get user:0000001234\r\n");
}
BENCHMARK(BM_AsciiSessionGetHit);

void BM_AsciiSessionSet(benchmark::State& state) {
  RunSession(state, "set user:0000001234 0 0 100\r\n" +
                        std::string(100, 'v') + "\r\n");
}
BENCHMARK(BM_AsciiSessionSet);

}  // namespace
}  // namespace tinkercache
