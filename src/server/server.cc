#include "src/server/server.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "src/server/connection.h"

namespace tinkercache {
namespace {

constexpr std::string_view kTooManyConnections =
    "ERROR Too many open connections\r\n";

}  // namespace

Server::Server(Handler& handler, StatsRegistry& registry,
               const ExtensionRegistry* extensions)
    : handler_(handler),
      registry_(registry),
      extensions_(extensions),
      connections_(registry.clock()) {
  // Debian's Abseil is built without NDEBUG, which turns on deadlock
  // detection: a global lock taken on every absl::Mutex acquisition, so a
  // handler or engine with an absl::Mutex per request (a user's command or
  // engine) would serialize the workers.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

Server::~Server() {
  Stop();
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
  if (registry_.connection_lister() == &connections_) {
    registry_.set_connection_lister(nullptr);
  }
  if (!listener_.addr.empty()) connections_.Remove(&listener_);
  if (!compact_listener_.addr.empty()) connections_.Remove(&compact_listener_);
}

absl::Status Server::Listen(asio::ip::tcp::acceptor& acceptor, int port,
                            ConnectionTable::Entry& entry) {
  const Settings& s = registry_.settings();
  asio::error_code error;
  const auto address = asio::ip::make_address(s.interface, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot use listen address '", s.interface,
                     "': ", error.message()));
  }
  const asio::ip::tcp::endpoint endpoint(address,
                                         static_cast<uint16_t>(port));
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(1024, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", s.interface, ":", port, ": ", error.message()));
  }
  // Listed in stats conns and counted as memcached counts its listeners.
  entry.fd = static_cast<int>(acceptor.native_handle());
  entry.addr = AddressText(acceptor.local_endpoint());
  entry.state.store(ConnState::kListening, std::memory_order_relaxed);
  entry.last_cmd.store(registry_.clock().NowSeconds(),
                       std::memory_order_relaxed);
  connections_.Add(&entry);
  registry_.ListenerOpened();
  return absl::OkStatus();
}

absl::Status Server::Start() {
  const Settings& s = registry_.settings();
  if (auto status = Listen(acceptor_, s.port, listener_); !status.ok()) {
    return status;
  }
  port_ = acceptor_.local_endpoint().port();
  registry_.set_bound_port(port_);
  if (s.compact_port >= 0) {
    if (auto status =
            Listen(compact_acceptor_, s.compact_port, compact_listener_);
        !status.ok()) {
      return status;
    }
    compact_port_ = compact_acceptor_.local_endpoint().port();
  }

  for (int i = 0; i < s.threads; ++i) {
    workers_.push_back(
        std::make_unique<Worker>(handler_, registry_, extensions_));
  }
  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->thread = std::thread([worker] {
      auto guard = asio::make_work_guard(worker->context);
      worker->context.run();
    });
  }
  registry_.set_connection_lister(&connections_);
  Accept(acceptor_, false, listener_.addr);
  if (compact_acceptor_.is_open()) {
    Accept(compact_acceptor_, true, compact_listener_.addr);
  }
  return absl::OkStatus();
}

void Server::Accept(asio::ip::tcp::acceptor& acceptor, bool compact_only,
                    const std::string& listen_addr) {
  Worker& worker = *workers_[next_worker_];
  next_worker_ = (next_worker_ + 1) % workers_.size();
  acceptor.async_accept(
      worker.context,
      [this, &worker, &acceptor, compact_only, &listen_addr](
          const asio::error_code& error, asio::ip::tcp::socket socket) {
        if (error) {
          if (error == asio::error::operation_aborted || stopping_) return;
          // Out of descriptors and the like: keep accepting.
          Accept(acceptor, compact_only, listen_addr);
          return;
        }
        if (registry_.curr_connections() >=
            registry_.settings().max_connections) {
          registry_.ConnectionRejected();
          auto rejected =
              std::make_shared<asio::ip::tcp::socket>(std::move(socket));
          asio::post(worker.context, [rejected] {
            asio::async_write(*rejected, asio::buffer(kTooManyConnections),
                              [rejected](const asio::error_code&, size_t) {
                                LingeringClose(rejected);
                              });
          });
        } else {
          // Start on the worker's own thread: the connection belongs there.
          asio::post(worker.context, [this, s = std::move(socket), &worker,
                                      compact_only, &listen_addr]() mutable {
            std::make_shared<Connection>(std::move(s), worker.executor,
                                         compact_only, connections_,
                                         listen_addr)
                ->Start();
          });
        }
        Accept(acceptor, compact_only, listen_addr);
      });
}

void Server::Run() {
  accept_context_.run();
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

void Server::Stop() {
  if (stopping_.exchange(true)) return;
  asio::post(accept_context_, [this] {
    asio::error_code ignored;
    acceptor_.close(ignored);
    compact_acceptor_.close(ignored);
  });
  for (auto& w : workers_) w->context.stop();
  accept_context_.stop();
}

}  // namespace tinkercache
