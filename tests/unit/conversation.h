#ifndef TINKERCACHE_TESTS_UNIT_CONVERSATION_H_
#define TINKERCACHE_TESTS_UNIT_CONVERSATION_H_

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"
#include "src/core/connection_driver.h"
#include "src/core/out_buffer.h"
#include "src/core/session.h"

namespace tinkercache {

// What a conversation saw besides the replies.
struct ConversationStats {
  size_t max_buffered = 0;  // input received and not yet handled
  size_t max_waiting = 0;   // replies made and not yet handed to a write
  size_t max_write = 0;     // the largest single write
  bool stalled = false;     // neither side could move: a bug
};

// Runs the server's event loop around `driver` (a read and a write in
// flight at once, as with a socket) against a client that sends `input`,
// cut into pieces at `cuts` (sorted offsets; each piece may arrive over
// several reads), and reads the reply being written whenever
// `reads_now(step)` says so (it is asked at every step), or when it has
// nothing left to send or the server reads no more. With
// `half_close`, the client shuts its side down after the last byte. Returns
// every byte the client received.
template <typename ReadsNow>
std::string Converse(ConnectionDriver& driver, std::string_view input,
                     const std::vector<size_t>& cuts, ReadsNow reads_now,
                     bool half_close = false,
                     ConversationStats* stats = nullptr) {
  ConversationStats local;
  ConversationStats& s = stats ? *stats : local;
  std::string received;
  absl::Span<char> room;
  std::string_view writing;
  bool read_open = false;
  size_t sent = 0;
  size_t next_cut = 0;
  bool ended = false;
  for (size_t step = 0;; ++step) {
    // The server posts a write and a read whenever it may.
    if (writing.empty()) {
      writing = driver.BeginWrite();
      s.max_write = std::max(s.max_write, writing.size());
    }
    if (!read_open && driver.CanRead()) {
      room = driver.BeginRead();
      read_open = true;
    }
    s.max_buffered = std::max(s.max_buffered, driver.buffered());
    s.max_waiting = std::max(s.max_waiting, driver.output_waiting());
    const bool input_left = sent < input.size();
    const bool client_reads = reads_now(step);  // asked at every step
    if (!writing.empty() && (!input_left || !read_open || client_reads)) {
      received.append(writing);
      writing = {};
      driver.EndWrite();
      continue;
    }
    if (read_open && input_left) {
      while (next_cut < cuts.size() && cuts[next_cut] <= sent) ++next_cut;
      const size_t piece_end =
          next_cut < cuts.size() ? cuts[next_cut] : input.size();
      const size_t n = std::min(piece_end - sent, room.size());
      std::memcpy(room.data(), input.data() + sent, n);
      sent += n;
      read_open = false;
      driver.EndRead(n);
      continue;
    }
    if (input_left) {
      // Input left, no read possible, nothing to write: stuck.
      s.stalled = !driver.closing();
      break;
    }
    if (half_close && !ended && read_open) {
      ended = true;
      read_open = false;
      driver.EndOfInput();
      continue;
    }
    break;  // all sent, all answered
  }
  return received;
}

// The replies of `session` fed the whole stream at once, without a driver:
// the reference every schedule must reproduce.
inline std::string RepliesAtOnce(ProtocolSession& session,
                                 std::string_view input) {
  OutBuffer out;
  std::string replies;
  while (!input.empty()) {
    const ProcessResult r = session.Process(input, out);
    input.remove_prefix(r.consumed);
    const bool answered = !out.empty();
    replies.append(out.view());
    out.Clear();
    if (r.close || (r.consumed == 0 && !answered)) break;
  }
  return replies;
}

// Cuts `size` bytes into pieces of `chunk` bytes.
inline std::vector<size_t> EveryNBytes(size_t size, size_t chunk) {
  std::vector<size_t> cuts;
  for (size_t at = chunk; at < size; at += chunk) cuts.push_back(at);
  return cuts;
}

}  // namespace tinkercache

#endif  // TINKERCACHE_TESTS_UNIT_CONVERSATION_H_
