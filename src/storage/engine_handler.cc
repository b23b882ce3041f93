#include "src/storage/engine_handler.h"

namespace tinkercache {
namespace {

std::optional<uint64_t> CasOf(const Request& request) {
  if (request.cas == 0) return std::nullopt;
  return request.cas;
}

// Forwards a hit to the protocol while the engine pins the item.
class HitSender {
 public:
  HitSender(const Request& request, ResponseSink& sink)
      : request_(request), sink_(sink) {}
  void operator()(const ItemView& item) const {
    Response r;
    r.flags = item.flags;
    r.cas = item.cas;
    r.key = request_.key;
    r.value = item.value;
    sink_.Send(r);
  }

 private:
  const Request& request_;
  ResponseSink& sink_;
};

}  // namespace

Status EngineHandler::Get(const Request& request, ResponseSink& sink) {
  const Status status = engine_.Get(request.key, HitSender(request, sink));
  return status == Status::kOk ? status : Reply(sink, status);
}

Status EngineHandler::GetAndTouch(const Request& request, ResponseSink& sink) {
  const Status status = engine_.GetAndTouch(
      request.key, Deadline(request.exptime), HitSender(request, sink));
  return status == Status::kOk ? status : Reply(sink, status);
}

Status EngineHandler::Touch(const Request& request, ResponseSink& sink) {
  // A touch answers with the item's flags and CAS (the binary protocol sends
  // them), so it is a get-and-touch that sends no value.
  const Status status = engine_.GetAndTouch(
      request.key, Deadline(request.exptime), [&](const ItemView& item) {
        Response r;
        r.flags = item.flags;
        r.cas = item.cas;
        sink.Send(r);
      });
  return status == Status::kOk ? status : Reply(sink, status);
}

Status EngineHandler::Store(StoreMode mode, const Request& request,
                            ResponseSink& sink,
                            std::optional<uint64_t> expected_cas) {
  const StoreResult result =
      engine_.Store(mode, request.key, request.value, request.flags,
                    Deadline(request.exptime), expected_cas);
  Response r;
  r.status = result.status;
  r.cas = result.cas;
  sink.Send(r);
  return result.status;
}

Status EngineHandler::Set(const Request& request, ResponseSink& sink) {
  return Store(StoreMode::kSet, request, sink, CasOf(request));
}
Status EngineHandler::Add(const Request& request, ResponseSink& sink) {
  return Store(StoreMode::kAdd, request, sink, CasOf(request));
}
Status EngineHandler::Replace(const Request& request, ResponseSink& sink) {
  return Store(StoreMode::kReplace, request, sink, CasOf(request));
}
Status EngineHandler::Append(const Request& request, ResponseSink& sink) {
  return Store(StoreMode::kAppend, request, sink, CasOf(request));
}
Status EngineHandler::Prepend(const Request& request, ResponseSink& sink) {
  return Store(StoreMode::kPrepend, request, sink, CasOf(request));
}
Status EngineHandler::Cas(const Request& request, ResponseSink& sink) {
  // An explicit CAS of 0 matches no item, as in memcached.
  return Store(StoreMode::kSet, request, sink, request.cas);
}

Status EngineHandler::Delete(const Request& request, ResponseSink& sink) {
  return Reply(sink, engine_.Delete(request.key, CasOf(request)));
}

Status EngineHandler::Arithmetic(bool increment, const Request& request,
                                 ResponseSink& sink) {
  std::optional<NewCounter> create;
  if (request.create) {
    create = NewCounter{request.initial, Deadline(request.exptime)};
  }
  const ArithmeticResult result = engine_.Arithmetic(
      request.key, increment, request.delta, create, CasOf(request));
  Response r;
  r.status = result.status;
  r.number = result.value;
  r.cas = result.cas;
  sink.Send(r);
  return result.status;
}

Status EngineHandler::Incr(const Request& request, ResponseSink& sink) {
  return Arithmetic(true, request, sink);
}
Status EngineHandler::Decr(const Request& request, ResponseSink& sink) {
  return Arithmetic(false, request, sink);
}

Status EngineHandler::Flush(const Request& request, ResponseSink& sink) {
  engine_.Flush(request.exptime > 0 ? Deadline(request.exptime) : 0);
  return Reply(sink, Status::kOk);
}

Status EngineHandler::Stats(const Request& request, ResponseSink& sink) {
  StatWriter out(sink);
  if (request.key == "reset") engine_.ResetStats();
  const bool engine_knows = engine_.WriteStats(request.key, out);
  const Status base = Handler::Stats(request, sink);
  return engine_knows ? Status::kOk : base;
}

}  // namespace tinkercache
