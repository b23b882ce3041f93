// tinkercache public API: new commands (customization level 3).
//   CommandSpec, ArgKind, CommandCallback, ExtensionRegistry.
#ifndef TINKERCACHE_INCLUDE_TINKERCACHE_EXTENSION_H_
#define TINKERCACHE_INCLUDE_TINKERCACHE_EXTENSION_H_

#include "src/core/extension.h"

#endif  // TINKERCACHE_INCLUDE_TINKERCACHE_EXTENSION_H_
