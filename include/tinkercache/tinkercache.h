// tinkercache: the whole public API.
#ifndef TINKERCACHE_INCLUDE_TINKERCACHE_TINKERCACHE_H_
#define TINKERCACHE_INCLUDE_TINKERCACHE_TINKERCACHE_H_

#include "tinkercache/engine.h"
#include "tinkercache/extension.h"
#include "tinkercache/handler.h"
#include "tinkercache/server.h"
#include "tinkercache/session.h"

#endif  // TINKERCACHE_INCLUDE_TINKERCACHE_TINKERCACHE_H_
