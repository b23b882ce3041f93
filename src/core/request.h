#ifndef TINKERCACHE_SRC_CORE_REQUEST_H_
#define TINKERCACHE_SRC_CORE_REQUEST_H_

#include <cstdint>
#include <string_view>

#include "src/core/command.h"
#include "src/core/status.h"

namespace tinkercache {

// Options of memcached's meta commands, as bits of Request::meta. They refine
// the ordinary commands (mg is a get, ms a store, ...), so any protocol may
// set them and every handler sees them.
enum MetaOption : uint16_t {
  kMetaReport = 1 << 0,      // report item metadata (Response::ttl, idle, ...)
  kMetaNoBump = 1 << 1,      // u: leave the item's use, hit and access marks
  kMetaVivify = 1 << 2,      // N: a miss creates the item (vivify_exptime)
  kMetaRecache = 1 << 3,     // R: win the recache when the TTL is below ...
  kMetaInvalidate = 1 << 4,  // I: mark stale instead of deleting/refusing
  kMetaNewCas = 1 << 5,      // E: the item's new CAS is `new_cas`
  kMetaTouch = 1 << 6,       // T on md/ma: set the TTL to `exptime`
  kMetaBinaryKey = 1 << 7,   // b: the key was sent base64-encoded
  kMetaCompareCas = 1 << 8,  // md's C, compact's UNIQUE: compare `cas` even if 0
  // N stands after T: an item N creates keeps N's TTL (memcached applies
  // the two in order, so the last one wins).
  kMetaVivifyLast = 1 << 9,
  // Sent as a meta command (mg ms md ma me mn), which memcached counts
  // apart from the classic forms (per-prefix stats, some counters).
  kMetaCommand = 1 << 15,
};

// A protocol-neutral request. Every front end decodes into it. The views
// point into the connection's read buffer and are valid for one Execute().
struct Request {
  CommandId command = CommandId::kNoop;
  bool quiet = false;    // noreply / quiet: the protocol decides what it hides
  bool create = false;   // incr/decr: create with `initial` when missing
  uint32_t flags = 0;
  // Expiry as the protocols carry it: 0 never, up to 30 days relative,
  // beyond that absolute unix time, negative already expired. For flush it
  // is the delay.
  int64_t exptime = 0;
  uint64_t cas = 0;      // 0: no CAS check
  uint64_t delta = 0;    // incr/decr amount; verbosity level
  uint64_t initial = 0;  // incr/decr value when created
  uint32_t opaque = 0;   // echoed by protocols that carry it
  uint16_t meta = 0;     // MetaOption bits
  // TTL of an item created on a miss (incr/decr with `create`, meta N) and
  // the recache threshold (meta R), in the protocols' exptime convention.
  int64_t vivify_exptime = 0;
  int64_t recache_exptime = 0;
  uint64_t new_cas = 0;  // with kMetaNewCas
  std::string_view key;  // key; stats group for kStats
  std::string_view value;
};

// What a fetch learned about the item beyond its value (Response::item).
enum ItemState : uint8_t {
  kItemHitBefore = 1 << 0,  // fetched before this request (meta h)
  kItemStale = 1 << 1,      // invalidated, awaiting a recache (meta X)
  kItemWon = 1 << 2,        // this client should recache it (meta W)
  kItemTokenSent = 1 << 3,  // another client already won (meta Z)
  kItemCreated = 1 << 4,    // created by this request's vivify
  kItemBinaryKey = 1 << 5,  // stored with a base64-sent key (meta b)
};

// One reply unit. A command may send several (a stats line each), or none.
// The views are valid only during the ResponseSink::Send() call, so a sink
// must copy what it keeps (typically straight into its output buffer).
struct Response {
  Status status = Status::kOk;
  uint32_t flags = 0;
  uint64_t cas = 0;
  uint64_t number = 0;      // incr/decr result; meta debug: item bytes
  // With kMetaReport: remaining TTL in seconds (-1: none) after and before
  // this request changed it, seconds since the item's previous access, and
  // ItemState bits.
  int32_t ttl = -1;
  int32_t ttl_before = -1;
  uint32_t idle = 0;
  uint8_t item = 0;
  std::string_view key;     // stats: the stat's name
  std::string_view value;   // item value; stats: the stat's value; version
};

// Receives the responses of the command being executed.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual void Send(const Response& response) = 0;
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_REQUEST_H_
