// Protocol codec costs: parsing requests and composing replies, without the
// network. Compare protocols case by case (Ascii* here; the binary and
// compact protocols add theirs next to these).

#include <string>

#include "benchmark/benchmark.h"
#include "protocols/ascii/ascii_parser.h"
#include "protocols/ascii/ascii_session.h"
#include "protocols/binary/binary_parser.h"
#include "protocols/binary/binary_protocol.h"
#include "protocols/binary/binary_session.h"
#include "protocols/compact/compact_parser.h"
#include "protocols/compact/compact_session.h"
#include "src/core/clock.h"
#include "src/core/executor.h"
#include "src/storage/engine_handler.h"
#include "src/storage/memory_engine.h"

namespace tinkercache {
namespace {

void ParseAscii(benchmark::State& state, const std::string& in) {
  ascii::Command command;
  for (auto _ : state) {
    auto r = ascii::Parse(in, ascii::Limits{}, &command);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(command);
  }
  state.SetBytesProcessed(state.iterations() * in.size());
}

void BM_AsciiParseGet(benchmark::State& state) {
  ParseAscii(state, "get user:0000001234\r\n");
}
BENCHMARK(BM_AsciiParseGet);

void BM_AsciiParseSet(benchmark::State& state) {
  ParseAscii(state, "set user:0000001234 0 0 100\r\n" +
                        std::string(100, 'v') + "\r\n");
}
BENCHMARK(BM_AsciiParseSet);

// The meta get that replaces "gets": value, flags and CAS.
void BM_AsciiParseMetaGet(benchmark::State& state) {
  ParseAscii(state, "mg user:0000001234 v f c\r\n");
}
BENCHMARK(BM_AsciiParseMetaGet);

const std::string kBinaryGet =
    binary::EncodeRequest(binary::kGet, "", "user:0000001234", "");
const std::string kBinarySet = binary::EncodeRequest(
    binary::kSet, std::string(8, '\0'), "user:0000001234", std::string(100, 'v'));

void BM_BinaryParseGet(benchmark::State& state) {
  binary::Command command;
  for (auto _ : state) {
    auto r = binary::Parse(kBinaryGet, binary::Limits{}, &command);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(command);
  }
  state.SetBytesProcessed(state.iterations() * kBinaryGet.size());
}
BENCHMARK(BM_BinaryParseGet);

void BM_BinaryParseSet(benchmark::State& state) {
  binary::Command command;
  for (auto _ : state) {
    auto r = binary::Parse(kBinarySet, binary::Limits{}, &command);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(command);
  }
  state.SetBytesProcessed(state.iterations() * kBinarySet.size());
}
BENCHMARK(BM_BinaryParseSet);

// Compact requests as a client streams them: the action, KEY (and VALUE8),
// GO. Decoding a request is parsing each of its opcodes.
std::string CompactRequest(uint8_t action, std::string_view key,
                           std::string_view value) {
  std::string r(1, static_cast<char>(action));
  r += static_cast<char>(TC_OP_KEY);
  r += static_cast<char>(key.size());
  r.append(key);
  if (!value.empty()) {
    r += static_cast<char>(TC_OP_VALUE8);
    r += static_cast<char>(value.size());
    r.append(value);
  }
  r += static_cast<char>(TC_OP_GO);
  return r;
}

const std::string kCompactGet = CompactRequest(TC_OP_GET, "user:0000001234", "");
const std::string kCompactSet =
    CompactRequest(TC_OP_SET, "user:0000001234", std::string(100, 'v'));

void CompactDecode(benchmark::State& state, const std::string& request) {
  compact::Command command;
  for (auto _ : state) {
    std::string_view in = request;
    while (!in.empty()) {
      auto r = compact::Parse(in, compact::Limits{}, &command);
      benchmark::DoNotOptimize(command);
      in.remove_prefix(r.consumed);
    }
  }
  state.SetBytesProcessed(state.iterations() * request.size());
}

void BM_CompactParseGet(benchmark::State& state) {
  CompactDecode(state, kCompactGet);
}
BENCHMARK(BM_CompactParseGet);

void BM_CompactParseSet(benchmark::State& state) {
  CompactDecode(state, kCompactSet);
}
BENCHMARK(BM_CompactParseSet);

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

template <typename Session>
void RunBatch(benchmark::State& state, const std::string& batch) {
  Settings settings;
  CannedHandler handler;
  StatsRegistry registry(settings, SystemClock::Instance());
  Executor executor(handler, registry);
  Session session(executor);
  OutBuffer out;
  for (auto _ : state) {
    out.Clear();
    auto r = session.Process(batch, out);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * 16);
}

template <typename Session>
void RunSession(benchmark::State& state, const std::string& one) {
  // 16 pipelined requests per batch, as a connection sees them.
  std::string batch;
  for (int i = 0; i < 16; ++i) batch += one;
  RunBatch<Session>(state, batch);
}

void BM_AsciiSessionGetHit(benchmark::State& state) {
  RunSession<ascii::AsciiSession>(state, "get user:0000001234\r\n");
}
BENCHMARK(BM_AsciiSessionGetHit);

void BM_AsciiSessionSet(benchmark::State& state) {
  RunSession<ascii::AsciiSession>(
      state, "set user:0000001234 0 0 100\r\n" + std::string(100, 'v') +
                 "\r\n");
}
BENCHMARK(BM_AsciiSessionSet);

void BM_AsciiSessionMetaGetHit(benchmark::State& state) {
  RunSession<ascii::AsciiSession>(state, "mg user:0000001234 v f c\r\n");
}
BENCHMARK(BM_AsciiSessionMetaGetHit);

void BM_AsciiSessionMetaSet(benchmark::State& state) {
  RunSession<ascii::AsciiSession>(
      state, "ms user:0000001234 100 T0\r\n" + std::string(100, 'v') + "\r\n");
}
BENCHMARK(BM_AsciiSessionMetaSet);

void BM_BinarySessionGetHit(benchmark::State& state) {
  RunSession<binary::BinarySession>(state, kBinaryGet);
}
BENCHMARK(BM_BinarySessionGetHit);

void BM_BinarySessionSet(benchmark::State& state) {
  RunSession<binary::BinarySession>(state, kBinarySet);
}
BENCHMARK(BM_BinarySessionSet);

void BM_CompactSessionGetHit(benchmark::State& state) {
  RunSession<compact::CompactSession>(state, kCompactGet);
}
BENCHMARK(BM_CompactSessionGetHit);

void BM_CompactSessionSet(benchmark::State& state) {
  RunSession<compact::CompactSession>(state, kCompactSet);
}
BENCHMARK(BM_CompactSessionSet);

// Stream-lined, as the spec lets a client send a series of one command:
// the action once, then only what changes (KEY, VALUE) and GO.
void RunStreamlined(benchmark::State& state, const std::string& one) {
  std::string batch = one;
  for (int i = 1; i < 16; ++i) batch += one.substr(1);  // without the action
  RunBatch<compact::CompactSession>(state, batch);
}

void BM_CompactSessionGetHitStreamlined(benchmark::State& state) {
  RunStreamlined(state, kCompactGet);
}
BENCHMARK(BM_CompactSessionGetHitStreamlined);

void BM_CompactSessionSetStreamlined(benchmark::State& state) {
  RunStreamlined(state, kCompactSet);
}
BENCHMARK(BM_CompactSessionSetStreamlined);

}  // namespace
}  // namespace tinkercache
