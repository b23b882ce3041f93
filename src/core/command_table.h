#ifndef TINKERCACHE_SRC_CORE_COMMAND_TABLE_H_
#define TINKERCACHE_SRC_CORE_COMMAND_TABLE_H_

// The one canonical command table. Everything that lists commands (the
// CommandId enum, names, Handler callbacks, executor dispatch, stats) expands
// these macros, so adding a command here is the only place it is declared.

// Per-thread command counters, in memcached's names and order.
#define TINKERCACHE_COUNTERS(X) \
  X(cmd_get)                    \
  X(cmd_set)                    \
  X(cmd_flush)                  \
  X(cmd_touch)                  \
  X(cmd_meta)                   \
  X(get_hits)                   \
  X(get_misses)                 \
  X(delete_misses)              \
  X(delete_hits)                \
  X(incr_misses)                \
  X(incr_hits)                  \
  X(decr_misses)                \
  X(decr_hits)                  \
  X(cas_misses)                 \
  X(cas_hits)                   \
  X(cas_badval)                 \
  X(touch_hits)                 \
  X(touch_misses)               \
  X(store_too_large)            \
  X(store_no_memory)

// X(Id, name, counter, hit counter, miss counter); `none` counts nothing.
// `counter` is bumped once per execution; hit/miss by the outcome (kOk is a
// hit, kNotFound a miss). Storage commands also count too-large/no-memory.
// The meta protocol's mg/ms/md/ma/mn are these same commands with options
// (Request::meta), so they count as memcached counts them; only its debug
// command "me" is a command of its own.
#define TINKERCACHE_COMMANDS(X)                                         \
  X(Get, "get", cmd_get, get_hits, get_misses)                          \
  X(GetAndTouch, "gat", cmd_touch, touch_hits, touch_misses)            \
  X(Touch, "touch", cmd_touch, touch_hits, touch_misses)                \
  X(Set, "set", cmd_set, none, none)                                    \
  X(Add, "add", cmd_set, none, none)                                    \
  X(Replace, "replace", cmd_set, none, none)                            \
  X(Append, "append", cmd_set, none, none)                              \
  X(Prepend, "prepend", cmd_set, none, none)                            \
  X(Cas, "cas", cmd_set, cas_hits, cas_misses)                          \
  X(Delete, "delete", none, delete_hits, delete_misses)                 \
  X(Incr, "incr", none, incr_hits, incr_misses)                         \
  X(Decr, "decr", none, decr_hits, decr_misses)                         \
  X(Flush, "flush_all", cmd_flush, none, none)                          \
  X(MetaDebug, "me", cmd_meta, none, none)                              \
  X(Stats, "stats", none, none, none)                                   \
  X(Version, "version", none, none, none)                               \
  X(Verbosity, "verbosity", none, none, none)                           \
  X(MemoryLimit, "cache_memlimit", none, none, none)                    \
  X(Noop, "noop", none, none, none)                                     \
  X(Quit, "quit", none, none, none)

#endif  // TINKERCACHE_SRC_CORE_COMMAND_TABLE_H_
