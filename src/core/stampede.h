#ifndef TINKERCACHE_SRC_CORE_STAMPEDE_H_
#define TINKERCACHE_SRC_CORE_STAMPEDE_H_

#include <cstdint>

#include "src/core/request.h"

namespace tinkercache {

// Stampede control, as memcached's meta protocol defines it: when many
// clients miss or see a stale item at once, exactly one of them "wins" the
// right to recache it. An engine keeps two marks per item and applies these
// rules under the item's lock; the rules live here so every engine and
// every protocol shares them.
struct StampedeMarks {
  bool stale = false;       // invalidated (meta delete I, store I)
  bool token_sent = false;  // a client has already won the recache
};

// A fetch of an item: returns its ItemState bits (kItemStale, kItemWon,
// kItemTokenSent) and records a win. `created`: the fetch vivified the
// item. A live item wins when its deadline is nonzero and before
// `recache_deadline` (0: no recache test), a stale one when nobody won yet.
inline uint8_t OnFetch(StampedeMarks& marks, bool created, uint32_t deadline,
                       uint32_t recache_deadline) {
  bool win = created;
  if (!created && !marks.token_sent && recache_deadline != 0 &&
      deadline != 0 && deadline < recache_deadline) {
    win = true;
  }
  uint8_t state = 0;
  if (marks.token_sent) state |= kItemTokenSent;
  if (marks.stale) {
    state |= kItemStale;
    win |= !marks.token_sent;
  }
  if (win) {
    state |= kItemWon;
    marks.token_sent = true;
  }
  return state;
}

// Invalidation: the item is stale and the next fetch may win again.
inline void OnInvalidate(StampedeMarks& marks) {
  marks.stale = true;
  marks.token_sent = false;
}

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_STAMPEDE_H_
