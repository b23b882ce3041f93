// tinkercache public API: starting a server.
//   ServerBuilder, RunningServer; Settings.
#ifndef TINKERCACHE_INCLUDE_TINKERCACHE_SERVER_H_
#define TINKERCACHE_INCLUDE_TINKERCACHE_SERVER_H_

#include "src/core/settings.h"
#include "src/server/builder.h"

#endif  // TINKERCACHE_INCLUDE_TINKERCACHE_SERVER_H_
