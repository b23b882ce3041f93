// tinkercache public API: the protocols without a network layer.
//   Executor, StatsRegistry, ProtocolSession, ConnectionDriver, OutBuffer,
//   and the three sessions: ascii::AsciiSession, binary::BinarySession,
//   compact::CompactSession. Bytes in, bytes out, for a host with its own
//   event loop.
#ifndef TINKERCACHE_INCLUDE_TINKERCACHE_SESSION_H_
#define TINKERCACHE_INCLUDE_TINKERCACHE_SESSION_H_

#include "protocols/ascii/ascii_session.h"
#include "protocols/binary/binary_session.h"
#include "protocols/compact/compact_session.h"
#include "src/core/connection_driver.h"
#include "src/core/executor.h"
#include "src/core/out_buffer.h"
#include "src/core/session.h"
#include "src/core/stats.h"

#endif  // TINKERCACHE_INCLUDE_TINKERCACHE_SESSION_H_
