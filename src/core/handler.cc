#include "src/core/handler.h"

namespace tinkercache {

Status Handler::Reply(ResponseSink& sink, Status status) {
  Response r;
  r.status = status;
  sink.Send(r);
  return status;
}

#define TINKERCACHE_DEFAULT_UNKNOWN(id)                 \
  Status Handler::id(const Request&, ResponseSink& sink) { \
    return Reply(sink, Status::kUnknownCommand);        \
  }
TINKERCACHE_DEFAULT_UNKNOWN(Get)
TINKERCACHE_DEFAULT_UNKNOWN(GetAndTouch)
TINKERCACHE_DEFAULT_UNKNOWN(Touch)
TINKERCACHE_DEFAULT_UNKNOWN(Set)
TINKERCACHE_DEFAULT_UNKNOWN(Add)
TINKERCACHE_DEFAULT_UNKNOWN(Replace)
TINKERCACHE_DEFAULT_UNKNOWN(Append)
TINKERCACHE_DEFAULT_UNKNOWN(Prepend)
TINKERCACHE_DEFAULT_UNKNOWN(Cas)
TINKERCACHE_DEFAULT_UNKNOWN(Delete)
TINKERCACHE_DEFAULT_UNKNOWN(Incr)
TINKERCACHE_DEFAULT_UNKNOWN(Decr)
TINKERCACHE_DEFAULT_UNKNOWN(Flush)
TINKERCACHE_DEFAULT_UNKNOWN(MetaDebug)
// A handler without a memory limit to adjust refuses as memcached does with
// preallocated memory.
TINKERCACHE_DEFAULT_UNKNOWN(MemoryLimit)
#undef TINKERCACHE_DEFAULT_UNKNOWN

Status Handler::Stats(const Request& request, ResponseSink&) {
  const std::string_view group = request.key;
  return group.empty() || group == "settings" || group == "reset"
             ? Status::kOk
             : Status::kNotFound;
}

void Handler::ListItems(ItemListVisitor) {}

Status Handler::Version(const Request&, ResponseSink& sink) {
  Response r;
  r.value = kVersion;
  sink.Send(r);
  return Status::kOk;
}

Status Handler::Verbosity(const Request&, ResponseSink& sink) {
  return Reply(sink, Status::kOk);
}

Status Handler::Noop(const Request&, ResponseSink& sink) {
  return Reply(sink, Status::kOk);
}

Status Handler::Quit(const Request&, ResponseSink& sink) {
  return Reply(sink, Status::kOk);
}

}  // namespace tinkercache
