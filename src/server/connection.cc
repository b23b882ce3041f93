#include "src/server/connection.h"

#include <algorithm>
#include <cstring>

#include "protocols/ascii/ascii_session.h"
#include "protocols/binary/binary_protocol.h"
#include "protocols/binary/binary_session.h"
#include "protocols/compact/compact_session.h"
#include "src/core/codec_session.h"

namespace tinkercache {
namespace {

constexpr size_t kInitialReadBuffer = 16 * 1024;
// Above this the read buffer is released once it empties again, so a single
// large value does not pin memory for the connection's lifetime.
constexpr size_t kKeepReadBuffer = 64 * 1024;
constexpr size_t kKeepOutBuffer = 256 * 1024;
constexpr auto kLinger = std::chrono::seconds(2);

struct Linger {
  std::shared_ptr<asio::ip::tcp::socket> socket;
  asio::steady_timer timer;
  char sink[4096];

  void Drain(std::shared_ptr<Linger> self) {
    socket->async_read_some(
        asio::buffer(sink), [self](const asio::error_code& error, size_t) {
          if (error) {
            self->timer.cancel();
            asio::error_code ignored;
            self->socket->close(ignored);
            return;
          }
          self->Drain(self);
        });
  }
};

}  // namespace

void LingeringClose(std::shared_ptr<asio::ip::tcp::socket> socket) {
  asio::error_code ignored;
  socket->shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  auto linger = std::make_shared<Linger>(
      Linger{socket, asio::steady_timer(socket->get_executor(), kLinger), {}});
  // The client has kLinger to close its side; after that it is cut off.
  linger->timer.async_wait([linger](const asio::error_code& error) {
    if (error) return;
    asio::error_code ignored;
    linger->socket->close(ignored);
  });
  linger->Drain(linger);
}

std::unique_ptr<ProtocolSession> NewSession(unsigned char first_byte,
                                            Executor& executor) {
  // Each protocol says which first bytes are its own; ASCII takes the rest.
  if (binary::StartsSession(first_byte)) {
    return std::make_unique<binary::BinarySession>(executor);
  }
  if (compact::StartsSession(first_byte)) {
    return std::make_unique<compact::CompactSession>(executor);
  }
  return std::make_unique<ascii::AsciiSession>(executor);
}

Connection::Connection(asio::ip::tcp::socket socket, Executor& executor,
                       bool compact_only)
    : socket_(std::make_shared<asio::ip::tcp::socket>(std::move(socket))),
      executor_(executor),
      compact_only_(compact_only),
      idle_timeout_(executor.settings().idle_timeout),
      idle_timer_(socket_->get_executor()) {
  asio::error_code ignored;
  socket_->set_option(asio::ip::tcp::no_delay(true), ignored);
  executor_.registry().ConnectionOpened();
}

Connection::~Connection() { executor_.registry().ConnectionClosed(); }

void Connection::Start() {
  if (idle_timeout_.count() > 0) {
    Active();
    ArmIdleTimer(idle_timeout_);
  }
  Read();
}

void Connection::ArmIdleTimer(std::chrono::steady_clock::duration after) {
  idle_timer_.expires_after(after);
  // The timer does not keep the connection alive: destroying the connection
  // cancels it.
  idle_timer_.async_wait(
      [weak = weak_from_this()](const asio::error_code& error) {
        if (error) return;
        if (auto self = weak.lock()) self->OnIdleTimer();
      });
}

void Connection::OnIdleTimer() {
  if (closing_ || closed_) return;
  const auto idle = std::chrono::steady_clock::now() - last_active_;
  if (idle < idle_timeout_) {
    ArmIdleTimer(idle_timeout_ - idle);
    return;
  }
  executor_.registry().ConnectionKickedIdle();
  closing_ = true;
  asio::error_code ignored;
  socket_->close(ignored);  // the read in flight ends and releases us
}

void Connection::EnsureReadRoom(size_t needed) {
  size_t want = std::max(read_length_ + 1, needed);
  if (read_capacity_ == 0) want = std::max(want, kInitialReadBuffer);
  if (want <= read_capacity_ && read_length_ < read_capacity_) return;
  size_t capacity = std::max({want, read_capacity_ * 2, kInitialReadBuffer});
  std::unique_ptr<char[]> next(new char[capacity]);
  if (read_length_ > 0) std::memcpy(next.get(), read_buffer_.get(), read_length_);
  read_buffer_ = std::move(next);
  read_capacity_ = capacity;
}

void Connection::Read() {
  // While replies wait behind a write in flight, requests are not read: a
  // client that does not read its replies holds at most the two output
  // buffers and the requests already read (OnWrite resumes reading).
  if (reading_ || closing_ || pending_.size() >= kOutputSoftLimit) return;
  EnsureReadRoom(read_needed_);
  reading_ = true;
  socket_->async_read_some(
      asio::buffer(read_buffer_.get() + read_length_,
                   read_capacity_ - read_length_),
      [self = shared_from_this()](const asio::error_code& error, size_t n) {
        self->OnRead(error, n);
      });
}

void Connection::OnRead(const asio::error_code& error, size_t n) {
  reading_ = false;
  if (error == asio::error::eof) {
    // The client has finished sending; it may still read: answer what is
    // complete, then close.
    closing_ = true;
    Process();
    Write();
    return;
  }
  if (error) {
    // The connection is reset: nothing more can be sent.
    closing_ = true;
    asio::error_code ignored;
    socket_->close(ignored);
    return;
  }
  executor_.thread_stats().AddBytesRead(n);
  Active();
  read_length_ += n;
  Process();
  Write();
  Read();
}

void Connection::Process() {
  if (read_length_ == 0) return;
  if (session_ == nullptr) {
    session_ = compact_only_
                   ? std::make_unique<compact::CompactSession>(executor_)
                   : NewSession(static_cast<unsigned char>(read_buffer_[0]),
                                executor_);
  }
  const ProcessResult r = session_->Process(
      std::string_view(read_buffer_.get(), read_length_), pending_);
  read_length_ -= r.consumed;
  if (read_length_ > 0 && r.consumed > 0) {
    std::memmove(read_buffer_.get(), read_buffer_.get() + r.consumed,
                 read_length_);
  }
  read_needed_ = r.needed;
  // Output at its limit stops the session early: requests may remain.
  unfinished_ = read_length_ > 0 && pending_.size() >= kOutputSoftLimit;
  if (read_length_ == 0 && read_capacity_ > kKeepReadBuffer) {
    read_buffer_.reset();
    read_capacity_ = 0;
  }
  if (r.close) {
    closing_ = true;
    unfinished_ = false;
    read_length_ = 0;  // nothing after a closing request is answered
  }
}

void Connection::Write() {
  if (writing_) return;
  if (pending_.empty()) {
    // A half-closed client still gets the replies to what it sent.
    if (closing_ && !closed_ && !unfinished_ && socket_->is_open()) {
      closed_ = true;
      LingeringClose(socket_);
    }
    return;
  }
  sending_.Swap(pending_);
  writing_ = true;
  asio::async_write(
      *socket_, asio::buffer(sending_.data(), sending_.size()),
      [self = shared_from_this()](const asio::error_code& error, size_t n) {
        self->OnWrite(error, n);
      });
}

void Connection::OnWrite(const asio::error_code& error, size_t n) {
  writing_ = false;
  executor_.thread_stats().AddBytesWritten(n);
  Active();
  sending_.ClearAndShrink(kKeepOutBuffer);
  if (error) {
    closing_ = true;
    pending_.Clear();
    asio::error_code ignored;
    socket_->close(ignored);
    return;
  }
  Write();
  // Requests left in the buffer when the last batch's output grew large:
  // answered while the write just started is under way.
  Process();
  Write();
  Read();  // resumes a read paused for backpressure
}

}  // namespace tinkercache
