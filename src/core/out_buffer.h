#ifndef TINKERCACHE_SRC_CORE_OUT_BUFFER_H_
#define TINKERCACHE_SRC_CORE_OUT_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace tinkercache {

// Copies a view to `to` and returns the end of the copy. An empty view may
// have a null data(), which memcpy must not be given even for zero bytes.
inline char* CopyBytes(char* to, std::string_view from) {
  if (from.empty()) return to;
  std::memcpy(to, from.data(), from.size());
  return to + from.size();
}

// A growable byte buffer that encoders append replies to and the server sends
// with one write. Unlike std::string it never zero-fills what it reserves.
class OutBuffer {
 public:
  OutBuffer() = default;
  OutBuffer(const OutBuffer&) = delete;
  OutBuffer& operator=(const OutBuffer&) = delete;

  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }
  std::string_view view() const { return {data_.get(), size_}; }

  // Returns room for at least `n` bytes at the end; Commit() what was used.
  char* Reserve(size_t n) {
    if (capacity_ - size_ < n) Grow(n);
    return data_.get() + size_;
  }
  void Commit(size_t n) { size_ += n; }

  void Append(std::string_view s) {
    CopyBytes(Reserve(s.size()), s);
    size_ += s.size();
  }
  void Append(char c) {
    *Reserve(1) = c;
    ++size_;
  }
  void AppendDecimal(uint64_t v);

  void Clear() { size_ = 0; }
  // Drops the allocation if it grew past `keep` bytes, so one huge reply
  // does not pin memory for the connection's lifetime.
  void ClearAndShrink(size_t keep);

  void Swap(OutBuffer& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }

 private:
  void Grow(size_t n);

  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_OUT_BUFFER_H_
