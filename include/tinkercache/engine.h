// tinkercache public API: storage engines (customization level 1).
//   Engine, ItemView, StoreMode, StoreResult, ArithmeticResult, NewCounter;
//   MemoryEngine, the default; Clock, ManualClock for tests.
#ifndef TINKERCACHE_INCLUDE_TINKERCACHE_ENGINE_H_
#define TINKERCACHE_INCLUDE_TINKERCACHE_ENGINE_H_

#include "src/core/clock.h"
#include "src/core/numbers.h"
#include "src/storage/engine.h"
#include "src/storage/memory_engine.h"

#endif  // TINKERCACHE_INCLUDE_TINKERCACHE_ENGINE_H_
