#include "src/core/prefix_stats.h"

#include "absl/strings/str_cat.h"
#include "src/core/byte_order.h"

namespace tinkercache {
namespace {

uint32_t Rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

}  // namespace

uint32_t Murmur3(std::string_view data) {
  constexpr uint32_t kC1 = 0xcc9e2d51;
  constexpr uint32_t kC2 = 0x1b873593;
  auto mix = [](uint32_t k) { return Rotl(k * kC1, 15) * kC2; };
  uint32_t h = 0;
  const size_t blocks = data.size() / 4;
  for (size_t i = 0; i < blocks; ++i) {
    h ^= mix(little_endian::Load32(data.data() + 4 * i));
    h = Rotl(h, 13) * 5 + 0xe6546b64;
  }
  const auto* tail =
      reinterpret_cast<const unsigned char*>(data.data() + 4 * blocks);
  uint32_t k = 0;
  switch (data.size() & 3) {
    case 3:
      k ^= uint32_t{tail[2]} << 16;
      [[fallthrough]];
    case 2:
      k ^= uint32_t{tail[1]} << 8;
      [[fallthrough]];
    case 1:
      k ^= tail[0];
      h ^= mix(k);
      break;
    default:
      break;
  }
  h ^= static_cast<uint32_t>(data.size());
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

PrefixStats::Counts* PrefixStats::Find(std::string_view key) {
  size_t length = 0;
  while (length < key.size() && key[length] != '\0' &&
         key[length] != delimiter_) {
    ++length;
  }
  if (length == key.size() || key[length] != delimiter_) return nullptr;
  const std::string_view prefix = key.substr(0, length);
  auto& bucket = buckets_[Murmur3(prefix) % kBuckets];
  for (auto it = bucket.rbegin(); it != bucket.rend(); ++it) {
    const std::string& p = (*it)->prefix;
    if (p.size() >= length && std::string_view(p).substr(0, length) == prefix) {
      return &(*it)->counts;
    }
  }
  if (count_ >= kMaxPrefixes) return nullptr;
  bucket.push_back(std::make_unique<Entry>(Entry{std::string(prefix), {}}));
  ++count_;
  return &bucket.back()->counts;
}

void PrefixStats::RecordGet(std::string_view key, bool hit) {
  std::lock_guard lock(mu_);
  if (Counts* c = Find(key)) {
    ++c->gets;
    if (hit) ++c->hits;
  }
}

void PrefixStats::RecordSet(std::string_view key) {
  std::lock_guard lock(mu_);
  if (Counts* c = Find(key)) ++c->sets;
}

void PrefixStats::RecordDelete(std::string_view key) {
  std::lock_guard lock(mu_);
  if (Counts* c = Find(key)) ++c->deletes;
}

void PrefixStats::Dump(
    absl::FunctionRef<void(std::string_view, const Counts&)> visit) const {
  std::lock_guard lock(mu_);
  for (const auto& bucket : buckets_) {
    for (auto it = bucket.rbegin(); it != bucket.rend(); ++it) {
      visit((*it)->prefix, (*it)->counts);
    }
  }
}

std::string PrefixStats::Fields(std::string_view prefix, const Counts& c) {
  return absl::StrCat(absl::string_view(prefix.data(), prefix.size()), " get ",
                      c.gets, " hit ", c.hits, " set ", c.sets, " del ",
                      c.deletes);
}

void PrefixStats::Clear() {
  std::lock_guard lock(mu_);
  for (auto& bucket : buckets_) bucket.clear();
  count_ = 0;
}

size_t PrefixStats::size() const {
  std::lock_guard lock(mu_);
  return count_;
}

}  // namespace tinkercache
