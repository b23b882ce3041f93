#include "src/core/out_buffer.h"

#include <algorithm>
#include <charconv>

namespace tinkercache {

void OutBuffer::AppendDecimal(uint64_t v) {
  char* p = Reserve(20);
  size_ += static_cast<size_t>(std::to_chars(p, p + 20, v).ptr - p);
}

void OutBuffer::Grow(size_t n) {
  size_t cap = std::max<size_t>({size_ + n, capacity_ * 2, 1024});
  std::unique_ptr<char[]> next(new char[cap]);
  if (size_ > 0) std::memcpy(next.get(), data_.get(), size_);
  data_ = std::move(next);
  capacity_ = cap;
}

void OutBuffer::ClearAndShrink(size_t keep) {
  size_ = 0;
  if (capacity_ > keep) {
    data_.reset();
    capacity_ = 0;
  }
}

}  // namespace tinkercache
