// tinkercache public API: handlers (customization level 2).
//   Handler (one callback per command), EngineHandler (the default, over an
//   Engine), Request, Response, ResponseSink, Status, StatWriter.
#ifndef TINKERCACHE_INCLUDE_TINKERCACHE_HANDLER_H_
#define TINKERCACHE_INCLUDE_TINKERCACHE_HANDLER_H_

#include "src/core/handler.h"
#include "src/core/request.h"
#include "src/core/stats.h"
#include "src/core/status.h"
#include "src/storage/engine_handler.h"

#endif  // TINKERCACHE_INCLUDE_TINKERCACHE_HANDLER_H_
