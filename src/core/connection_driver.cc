#include "src/core/connection_driver.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace tinkercache {

ConnectionDriver::ConnectionDriver(Executor& executor, SessionFactory factory,
                                   DriverLimits limits)
    : executor_(executor), factory_(factory), limits_(limits) {}

ConnectionDriver::ConnectionDriver(Executor& executor,
                                   std::unique_ptr<ProtocolSession> session,
                                   DriverLimits limits)
    : executor_(executor), session_(std::move(session)), limits_(limits) {
  session_->set_output_limit(limits_.output_limit);
}

void ConnectionDriver::EnsureReadRoom() {
  size_t want = std::max(length_ + 1, needed_);
  if (capacity_ == 0) want = std::max(want, limits_.initial_read);
  if (want <= capacity_ && length_ < capacity_) return;
  const size_t capacity =
      std::max({want, capacity_ * 2, limits_.initial_read, size_t{1}});
  std::unique_ptr<char[]> next(new char[capacity]);
  if (length_ > 0) std::memcpy(next.get(), buffer_.get(), length_);
  buffer_ = std::move(next);
  capacity_ = capacity;
}

absl::Span<char> ConnectionDriver::BeginRead() {
  EnsureReadRoom();
  reading_ = true;
  return absl::Span<char>(buffer_.get() + length_, capacity_ - length_);
}

void ConnectionDriver::EndRead(size_t n) {
  reading_ = false;
  if (closing_) return;  // input after a closing request is not answered
  length_ += std::min(n, capacity_ - length_);
  Process();
}

void ConnectionDriver::EndOfInput() {
  reading_ = false;
  if (closing_) return;
  closing_ = true;
  Process();
}

std::string_view ConnectionDriver::BeginWrite() {
  if (writing_ || pending_.empty()) return {};
  sending_.Swap(pending_);
  writing_ = true;
  return sending_.view();
}

void ConnectionDriver::EndWrite() {
  writing_ = false;
  sending_.ClearAndShrink(limits_.keep_output);
  // Requests left behind at the output limit: their turn now that the
  // output has room. No read is in flight while they wait.
  if (unfinished_ && !reading_) Process();
}

void ConnectionDriver::Abort() {
  closing_ = true;
  unfinished_ = false;
  length_ = 0;
  pending_.Clear();
}

void ConnectionDriver::Process() {
  if (length_ == 0) {
    unfinished_ = false;
    return;
  }
  if (session_ == nullptr) {
    session_ = factory_(static_cast<unsigned char>(buffer_[0]), executor_);
    session_->set_output_limit(limits_.output_limit);
  }
  const ProcessResult r =
      session_->Process(std::string_view(buffer_.get(), length_), pending_);
  length_ -= r.consumed;
  if (length_ > 0 && r.consumed > 0) {
    std::memmove(buffer_.get(), buffer_.get() + r.consumed, length_);
  }
  needed_ = r.needed;
  // The session stops early at the output limit: requests may remain.
  unfinished_ = length_ > 0 && pending_.size() >= limits_.output_limit;
  if (length_ == 0 && capacity_ > limits_.keep_read) {
    buffer_.reset();
    capacity_ = 0;
  }
  if (r.close) {
    closing_ = true;
    unfinished_ = false;
    length_ = 0;  // nothing after a closing request is answered
  }
}

}  // namespace tinkercache
