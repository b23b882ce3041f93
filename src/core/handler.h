#ifndef TINKERCACHE_SRC_CORE_HANDLER_H_
#define TINKERCACHE_SRC_CORE_HANDLER_H_

#include <cstdint>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "src/core/command_table.h"
#include "src/core/request.h"
#include "src/core/stats.h"

namespace tinkercache {

// One live item as `stats cachedump` lists it.
struct ItemListing {
  std::string_view key;
  uint64_t value_bytes = 0;
  uint32_t deadline = 0;  // absolute unix seconds, 0: never expires
};
// Returns false to stop the listing.
using ItemListVisitor = absl::FunctionRef<bool(const ItemListing&)>;

// One callback per command of the command table, in the spirit of
// libmemcachedprotocol's semantic callbacks: a protocol front end decodes,
// the executor calls the handler, the handler answers through the sink.
//
// Contract: a callback sends exactly one Response for a single-key command
// (the hit, or the status of the miss/failure) and returns that status;
// stats sends one Response per line. Callbacks run on worker threads, so a
// handler must be thread-safe.
//
// Every callback has a default: data commands answer kUnknownCommand, so a
// handler overrides only what it implements.
class Handler {
 public:
  virtual ~Handler() = default;

#define TINKERCACHE_HANDLER_METHOD(id, name, counter, hit, miss) \
  virtual Status id(const Request& request, ResponseSink& sink);
  TINKERCACHE_COMMANDS(TINKERCACHE_HANDLER_METHOD)
#undef TINKERCACHE_HANDLER_METHOD

  // Stats: the executor writes the server's own lines for `request.key`
  // (the group: "" general, "settings", ...) and then calls Stats(), which
  // appends the handler's lines. Return kNotFound for a group unknown to
  // both; "reset" asks the handler to reset its counters.

  // `stats cachedump`: calls `visit` for live items until it returns false.
  // The default lists none.
  virtual void ListItems(ItemListVisitor visit);

 protected:
  // Sends a response that carries only a status, and returns that status.
  static Status Reply(ResponseSink& sink, Status status);
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_HANDLER_H_
