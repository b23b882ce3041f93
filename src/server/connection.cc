#include "src/server/connection.h"

#include "protocols/ascii/ascii_session.h"
#include "protocols/binary/binary_protocol.h"
#include "protocols/binary/binary_session.h"
#include "protocols/compact/compact_session.h"

namespace tinkercache {
namespace {

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

namespace {

// The compact-only port's sessions, whatever the first byte.
std::unique_ptr<ProtocolSession> NewCompactSession(unsigned char,
                                                   Executor& executor) {
  return std::make_unique<compact::CompactSession>(executor);
}

}  // namespace

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
                       bool compact_only, ConnectionTable& table,
                       std::string listen_addr)
    : socket_(std::make_shared<asio::ip::tcp::socket>(std::move(socket))),
      executor_(executor),
      driver_(executor, compact_only ? &NewCompactSession : &NewSession),
      idle_timeout_(executor.settings().idle_timeout),
      idle_timer_(socket_->get_executor()),
      table_(table) {
  asio::error_code ignored;
  socket_->set_option(asio::ip::tcp::no_delay(true), ignored);
  executor_.registry().ConnectionOpened();
  entry_.fd = static_cast<int>(socket_->native_handle());
  asio::error_code error;
  const auto peer = socket_->remote_endpoint(error);
  if (!error) entry_.addr = AddressText(peer);
  entry_.listen_addr = std::move(listen_addr);
  entry_.last_cmd.store(table_.clock().NowSeconds(),
                        std::memory_order_relaxed);
  table_.Add(&entry_);
}

Connection::~Connection() {
  table_.Remove(&entry_);
  executor_.registry().ConnectionClosed();
}

void Connection::UpdateState() {
  if (driver_.closing()) {
    SetState(ConnState::kClosing);
  } else if (driver_.writing()) {
    SetState(ConnState::kMwrite);
  } else {
    SetState(driver_.needed() > 0 ? ConnState::kNread : ConnState::kRead);
  }
}

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
  if (driver_.closing() || closed_) return;
  const auto idle = std::chrono::steady_clock::now() - last_active_;
  if (idle < idle_timeout_) {
    ArmIdleTimer(idle_timeout_ - idle);
    return;
  }
  executor_.registry().ConnectionKickedIdle();
  driver_.Abort();
  asio::error_code ignored;
  socket_->close(ignored);  // the read in flight ends and releases us
}

void Connection::Read() {
  // While replies wait behind a write in flight, or requests wait behind
  // the output limit, nothing is read: a client that does not read its
  // replies holds at most the two output buffers and the requests already
  // read (OnWrite resumes reading).
  if (!driver_.CanRead()) return;
  const absl::Span<char> room = driver_.BeginRead();
  socket_->async_read_some(
      asio::buffer(room.data(), room.size()),
      [self = shared_from_this()](const asio::error_code& error, size_t n) {
        self->OnRead(error, n);
      });
}

void Connection::OnRead(const asio::error_code& error, size_t n) {
  if (error == asio::error::eof) {
    // The client has finished sending; it may still read: answer what is
    // complete, then close.
    driver_.EndOfInput();
    Write();
    UpdateState();
    return;
  }
  if (error) {
    // The connection is reset: nothing more can be sent.
    driver_.Abort();
    asio::error_code ignored;
    socket_->close(ignored);
    return;
  }
  executor_.thread_stats().AddBytesRead(n);
  Active();
  entry_.last_cmd.store(table_.clock().NowSeconds(),
                        std::memory_order_relaxed);
  SetState(ConnState::kParseCmd);
  driver_.EndRead(n);
  Write();
  UpdateState();
  Read();
}

void Connection::Write() {
  const std::string_view out = driver_.BeginWrite();
  if (out.empty()) {
    // A half-closed client still gets the replies to what it sent.
    if (driver_.Done() && !closed_ && socket_->is_open()) {
      closed_ = true;
      LingeringClose(socket_);
    }
    return;
  }
  asio::async_write(
      *socket_, asio::buffer(out.data(), out.size()),
      [self = shared_from_this()](const asio::error_code& error, size_t n) {
        self->OnWrite(error, n);
      });
}

void Connection::OnWrite(const asio::error_code& error, size_t n) {
  executor_.thread_stats().AddBytesWritten(n);
  Active();
  if (error) {
    driver_.Abort();
    asio::error_code ignored;
    socket_->close(ignored);
    return;
  }
  // Ending a write may run requests held back by the output limit: while
  // they run, a `stats conns` among them sees this one parsing.
  SetState(ConnState::kParseCmd);
  driver_.EndWrite();
  Write();
  UpdateState();
  Read();  // resumes a read paused for backpressure
}

}  // namespace tinkercache
