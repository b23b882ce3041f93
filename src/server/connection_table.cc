#include "src/server/connection_table.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"

namespace tinkercache {

std::string_view StateName(ConnState state) {
  switch (state) {
    case ConnState::kListening:
      return "conn_listening";
    case ConnState::kNewCmd:
      return "conn_new_cmd";
    case ConnState::kParseCmd:
      return "conn_parse_cmd";
    case ConnState::kRead:
      return "conn_read";
    case ConnState::kNread:
      return "conn_nread";
    case ConnState::kMwrite:
      return "conn_mwrite";
    case ConnState::kClosing:
      return "conn_closing";
  }
  return "conn_max_state";
}

std::string AddressText(const asio::ip::tcp::endpoint& endpoint) {
  const asio::ip::address address = endpoint.address();
  if (address.is_v6()) {
    return absl::StrCat("tcp6:[", address.to_string(), "]:", endpoint.port());
  }
  return absl::StrCat("tcp:", address.to_string(), ":", endpoint.port());
}

void ConnectionTable::Add(Entry* entry) {
  std::lock_guard<std::mutex> lock(mu_);
  entry->prev = nullptr;
  entry->next = head_;
  if (head_ != nullptr) head_->prev = entry;
  head_ = entry;
}

void ConnectionTable::Remove(Entry* entry) {
  std::lock_guard<std::mutex> lock(mu_);
  if (entry->prev != nullptr) {
    entry->prev->next = entry->next;
  } else if (head_ == entry) {
    head_ = entry->next;
  }
  if (entry->next != nullptr) entry->next->prev = entry->prev;
  entry->prev = entry->next = nullptr;
}

void ConnectionTable::ListConnections(
    absl::FunctionRef<void(const ConnectionInfo&)> visit) const {
  const uint32_t now = clock_.NowSeconds();
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<const Entry*> entries;
  for (const Entry* e = head_; e != nullptr; e = e->next) entries.push_back(e);
  std::sort(entries.begin(), entries.end(),
            [](const Entry* a, const Entry* b) { return a->fd < b->fd; });
  for (const Entry* e : entries) {
    const uint32_t last = e->last_cmd.load(std::memory_order_relaxed);
    ConnectionInfo info;
    info.fd = e->fd;
    info.addr = e->addr;
    info.listen_addr = e->listen_addr;
    info.state = StateName(e->state.load(std::memory_order_relaxed));
    info.secs_since_last_cmd = now > last ? now - last : 0;
    visit(info);
  }
}

}  // namespace tinkercache
