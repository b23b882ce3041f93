#ifndef TINKERCACHE_PROTOCOLS_ASCII_ASCII_PARSER_H_
#define TINKERCACHE_PROTOCOLS_ASCII_ASCII_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "src/core/codec_session.h"
#include "src/core/extension.h"
#include "src/core/request.h"

namespace tinkercache::ascii {

struct Limits {
  uint32_t item_size_max = 1u << 20;
  // memcached's bound for a command line that has no newline yet.
  size_t max_line = 2048;
  // Retrieval lines carry many keys; they get a larger, still finite bound.
  size_t max_retrieval_line = 1u << 20;
  // Registered commands, parsed by their specs (may be null).
  const ExtensionRegistry* extensions = nullptr;
};

// A parsed command line. Views point into the parsed input.
struct Command {
  Request request;
  bool retrieval = false;  // get/gets/gat/gats: one request per key
  bool with_cas = false;   // gets/gats: VALUE lines carry the CAS
  // Retrieval: the space-separated keys; empty when there is one key, which
  // is then request.key.
  std::string_view keys;
  // Meta commands: the verb's second letter ('g', 's', 'd', 'a', 'n', 'e';
  // 0 for the classic commands), the flag tokens, walked again to answer in
  // their order, and the key as sent. A base64 key ("b") is decoded into
  // decoded_key, which request.key then views.
  char meta = 0;
  bool meta_value = false;  // v: the reply carries the value
  bool base64_key = false;
  std::string_view meta_flags;
  std::string_view key_token;
  std::string decoded_key;

  // Clears all but decoded_key, which only base64_key makes meaningful:
  // its buffer is kept rather than rebuilt for every command.
  void Reset() {
    request = Request{};
    retrieval = false;
    with_cas = false;
    keys = {};
    meta = 0;
    meta_value = false;
    base64_key = false;
    meta_flags = {};
    key_token = {};
  }
};

struct ParseResult : ParseOutcome {
  std::string_view error;  // kError: the reply line without "\r\n" ...
  bool quiet = false;      // ... suppressed by the command's noreply
  // memcached counted the command before refusing it (a flush_all's bad
  // delay, a value without its "\r\n"): stats count it too.
  bool counted = false;
  // ... or counted a get miss if the key is missing (an mg refused for its
  // opaque).
  bool miss_counted = false;
};

// Parses one command from the front of `input`. `scanned` is the length
// already searched for a newline by an earlier call on the same command, so
// a line that arrives a byte at a time is not searched again from its start.
ParseResult Parse(std::string_view input, const Limits& limits,
                  Command* command, size_t scanned = 0);

// Takes the next key off the front of a retrieval command's keys; empty
// when none is left.
inline std::string_view NextKey(std::string_view& keys) {
  size_t i = 0;
  while (i < keys.size() && keys[i] == ' ') ++i;
  const size_t start = i;
  while (i < keys.size() && keys[i] != ' ') ++i;
  const std::string_view key = keys.substr(start, i - start);
  keys.remove_prefix(i);
  return key;
}

// Calls `fn` for each key of a retrieval command.
template <typename Fn>
void ForEachKey(std::string_view keys, Fn&& fn) {
  for (std::string_view key = NextKey(keys); !key.empty();
       key = NextKey(keys)) {
    fn(key);
  }
}

}  // namespace tinkercache::ascii

#endif  // TINKERCACHE_PROTOCOLS_ASCII_ASCII_PARSER_H_
