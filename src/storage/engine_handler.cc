#include "src/storage/engine_handler.h"

namespace tinkercache {
namespace {

// 0 means no CAS check unless the protocol says it is a value to compare
// (memcached's md C0, compact's UNIQUE register); it matches no item.
std::optional<uint64_t> CasOf(const Request& request) {
  if (request.cas == 0 && !(request.meta & kMetaCompareCas)) {
    return std::nullopt;
  }
  return request.cas;
}

std::optional<uint64_t> NewCasOf(const Request& request) {
  if (!(request.meta & kMetaNewCas)) return std::nullopt;
  return request.new_cas;
}

// Seconds left until `deadline` (-1: none), as the meta protocol reports.
int32_t Remaining(uint32_t deadline, uint32_t now) {
  if (deadline == 0) return -1;
  return deadline > now ? static_cast<int32_t>(deadline - now) : 0;
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
  if (request.meta != 0) return Fetch(request, std::nullopt, sink);
  const Status status = engine_.Get(request.key, HitSender(request, sink));
  return status == Status::kOk ? status : Reply(sink, status);
}

Status EngineHandler::GetAndTouch(const Request& request, ResponseSink& sink) {
  if (request.meta != 0) {
    return Fetch(request, Deadline(request.exptime), sink);
  }
  const Status status = engine_.GetAndTouch(
      request.key, Deadline(request.exptime), HitSender(request, sink));
  return status == Status::kOk ? status : Reply(sink, status);
}

Status EngineHandler::MetaDebug(const Request& request, ResponseSink& sink) {
  return Fetch(request, std::nullopt, sink, /*peek=*/true);
}

Status EngineHandler::Fetch(const Request& request,
                            std::optional<uint32_t> new_deadline,
                            ResponseSink& sink, bool peek) {
  const uint32_t now = clock_.NowSeconds();
  FetchArgs args;
  args.key = request.key;
  args.bump = !(request.meta & kMetaNoBump);
  args.peek = peek;  // meta debug carries no vivify or recache option
  args.new_deadline = new_deadline;
  if (request.meta & kMetaVivify) {
    args.vivify_deadline = Deadline(request.vivify_exptime);
    args.vivify_last = (request.meta & kMetaVivifyLast) != 0;
  }
  if (request.meta & kMetaRecache) {
    args.recache_deadline = Deadline(request.recache_exptime);
  }
  const Status status = engine_.Fetch(args, [&](const ItemView& item) {
    Response r;
    r.flags = item.flags;
    r.cas = item.cas;
    r.key = request.key;
    r.value = item.value;
    r.number = item.footprint;
    r.ttl = Remaining(item.deadline, now);
    r.ttl_before = Remaining(item.previous_deadline, now);
    r.idle = item.last_access != 0 && item.last_access < now
                 ? now - item.last_access
                 : 0;
    r.item = item.state;
    sink.Send(r);
  });
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
  StoreArgs args{mode, request.key, request.value, request.flags,
                 Deadline(request.exptime), expected_cas};
  args.new_cas = NewCasOf(request);
  args.invalidate = (request.meta & kMetaInvalidate) != 0;
  args.binary_key = (request.meta & kMetaBinaryKey) != 0;
  if (request.meta & kMetaVivify) {
    args.vivify_deadline = Deadline(request.vivify_exptime);
  }
  const StoreResult result = engine_.Store(args);
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
  DeleteArgs args{request.key, CasOf(request)};
  args.invalidate = (request.meta & kMetaInvalidate) != 0;
  if (request.meta & kMetaTouch) args.new_deadline = Deadline(request.exptime);
  args.new_cas = NewCasOf(request);
  return Reply(sink, engine_.Delete(args));
}

Status EngineHandler::Arithmetic(bool increment, const Request& request,
                                 ResponseSink& sink) {
  const uint32_t now = clock_.NowSeconds();
  ArithmeticArgs args{request.key, increment, request.delta};
  if (request.create) {
    args.create = NewCounter{request.initial, Deadline(request.vivify_exptime),
                             (request.meta & kMetaVivifyLast) != 0};
  }
  args.expected_cas = CasOf(request);
  if (request.meta & kMetaTouch) args.new_deadline = Deadline(request.exptime);
  args.new_cas = NewCasOf(request);
  const ArithmeticResult result = engine_.Arithmetic(args);
  Response r;
  r.status = result.status;
  r.number = result.value;
  r.cas = result.cas;
  r.ttl = Remaining(result.deadline, now);
  // A counter created here had its creation TTL before any T applied.
  r.ttl_before = Remaining(
      result.created ? args.create->deadline : result.previous_deadline, now);
  if (result.created) r.item = kItemCreated;
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
  // memcached flushes at realtime(delay) - 1 (its clock has whole seconds),
  // so a delay of 1 flushes at once.
  const uint32_t deadline = request.exptime > 0 ? Deadline(request.exptime) : 0;
  engine_.Flush(deadline > 0 ? deadline - 1 : 0);
  return Reply(sink, Status::kOk);
}

Status EngineHandler::MemoryLimit(const Request& request,
                                  ResponseSink& sink) {
  return Reply(sink, engine_.SetMemoryLimit(request.delta)
                         ? Status::kOk
                         : Status::kInvalidArguments);
}

Status EngineHandler::Stats(const Request& request, ResponseSink& sink) {
  StatWriter out(sink);
  if (request.key == "reset") engine_.ResetStats();
  const bool engine_knows = engine_.WriteStats(request.key, out);
  const Status base = Handler::Stats(request, sink);
  return engine_knows ? Status::kOk : base;
}

}  // namespace tinkercache
