#ifndef TINKERCACHE_EXAMPLES_LOCK_SERVICE_LOCK_SERVICE_H_
#define TINKERCACHE_EXAMPLES_LOCK_SERVICE_LOCK_SERVICE_H_

// A lock service as registered commands, served beside the default cache on
// every protocol:
//   lock <name> <owner> <lease-seconds>     take the lock, or renew it if
//                                           <owner> holds it already
//   trylock <name> <owner> <lease-seconds>  take it only if nobody holds it
//   unlock <name> <owner>                   release it
// Replies: LOCKED / UNLOCKED; "BUSY <holder>" (status EXISTS) when another
// owner holds an unexpired lease; NOT_FOUND when unlocking a free lock.
// Leases expire by the server's clock, so a crashed owner cannot hold a lock
// for ever.

#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "src/core/clock.h"
#include "src/core/extension.h"
#include "src/server/builder.h"

namespace tinkercache::examples {

class LockTable {
 public:
  explicit LockTable(const Clock& clock) : clock_(clock) {}

  // kOk: taken; kExists: held by `*holder`.
  Status Lock(std::string_view name, std::string_view owner,
              uint64_t lease_seconds, bool renew, std::string* holder) {
    const uint32_t now = clock_.NowSeconds();
    std::lock_guard lock(mu_);
    auto [it, inserted] = leases_.try_emplace(std::string(name));
    Lease& lease = it->second;
    const bool free = inserted || lease.expires <= now;
    if (!free && !(renew && lease.owner == owner)) {
      *holder = lease.owner;
      return Status::kExists;
    }
    lease.owner = std::string(owner);
    lease.expires = now + static_cast<uint32_t>(
                              lease_seconds > kMaxLease ? kMaxLease
                                                        : lease_seconds);
    return Status::kOk;
  }

  // kOk: released; kExists: held by `*holder`; kNotFound: not held.
  Status Unlock(std::string_view name, std::string_view owner,
                std::string* holder) {
    const uint32_t now = clock_.NowSeconds();
    std::lock_guard lock(mu_);
    auto it = leases_.find(std::string(name));
    if (it == leases_.end() || it->second.expires <= now) {
      if (it != leases_.end()) leases_.erase(it);
      return Status::kNotFound;
    }
    if (it->second.owner != owner) {
      *holder = it->second.owner;
      return Status::kExists;
    }
    leases_.erase(it);
    return Status::kOk;
  }

 private:
  static constexpr uint64_t kMaxLease = 30 * 24 * 3600;
  struct Lease {
    std::string owner;
    uint32_t expires = 0;
  };

  const Clock& clock_;
  // std::mutex rather than absl::Mutex: Debian's Abseil is not built for
  // ThreadSanitizer, which then cannot see absl::Mutex order its users.
  std::mutex mu_;
  absl::flat_hash_map<std::string, Lease> leases_;  // guarded by mu_
};

// Registers lock (binary 0xe0, compact 0xff 0x00), unlock (0xe1, 0xff 0x01)
// and trylock (0xe2, 0xff 0x02).
inline ServerBuilder& AddLockCommands(ServerBuilder& builder,
                                      LockTable& table) {
  auto reply = [](ResponseSink& sink, Status status, std::string_view text) {
    Response r;
    r.status = status;
    r.value = text;
    sink.Send(r);
    return status;
  };
  auto lock = [&table, reply](bool renew) {
    return [&table, reply, renew](const Request& q, ResponseSink& sink) {
      std::string holder;
      const Status s = table.Lock(q.key, q.value, q.delta, renew, &holder);
      return s == Status::kOk ? reply(sink, s, "LOCKED")
                              : reply(sink, s, "BUSY " + holder);
    };
  };
  const std::vector<ArgKind> args = {ArgKind::kKey, ArgKind::kString,
                                     ArgKind::kNumber};
  builder.AddCommand({"lock", args, 0xe0, 0x00}, lock(true));
  builder.AddCommand(
      {"unlock", {ArgKind::kKey, ArgKind::kString}, 0xe1, 0x01},
      [&table, reply](const Request& q, ResponseSink& sink) {
        std::string holder;
        const Status s = table.Unlock(q.key, q.value, &holder);
        if (s == Status::kOk) return reply(sink, s, "UNLOCKED");
        if (s == Status::kExists) return reply(sink, s, "BUSY " + holder);
        return reply(sink, s, "");
      });
  builder.AddCommand({"trylock", args, 0xe2, 0x02}, lock(false));
  return builder;
}

}  // namespace tinkercache::examples

#endif  // TINKERCACHE_EXAMPLES_LOCK_SERVICE_LOCK_SERVICE_H_
