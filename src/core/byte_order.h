#ifndef TINKERCACHE_SRC_CORE_BYTE_ORDER_H_
#define TINKERCACHE_SRC_CORE_BYTE_ORDER_H_

#include <bit>
#include <cstdint>
#include <cstring>

namespace tinkercache {

// Fixed-order integers in byte buffers: the wire protocols are big-endian,
// the RocksDB engine's records little-endian. memcpy and a byte swap compile
// to one load or store (plus bswap) and never read misaligned memory.
namespace byte_order_internal {

template <typename T>
T Swap(T v) {
  if constexpr (sizeof(T) == 2) return __builtin_bswap16(v);
  if constexpr (sizeof(T) == 4) return __builtin_bswap32(v);
  if constexpr (sizeof(T) == 8) return __builtin_bswap64(v);
}

template <typename T, std::endian kOrder>
T Load(const void* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return std::endian::native == kOrder ? v : Swap(v);
}

template <typename T, std::endian kOrder>
void Store(void* p, T v) {
  if (std::endian::native != kOrder) v = Swap(v);
  std::memcpy(p, &v, sizeof(T));
}

}  // namespace byte_order_internal

namespace big_endian {
inline uint16_t Load16(const void* p) {
  return byte_order_internal::Load<uint16_t, std::endian::big>(p);
}
inline uint32_t Load32(const void* p) {
  return byte_order_internal::Load<uint32_t, std::endian::big>(p);
}
inline uint64_t Load64(const void* p) {
  return byte_order_internal::Load<uint64_t, std::endian::big>(p);
}
inline void Store16(void* p, uint16_t v) {
  byte_order_internal::Store<uint16_t, std::endian::big>(p, v);
}
inline void Store32(void* p, uint32_t v) {
  byte_order_internal::Store<uint32_t, std::endian::big>(p, v);
}
inline void Store64(void* p, uint64_t v) {
  byte_order_internal::Store<uint64_t, std::endian::big>(p, v);
}
}  // namespace big_endian

namespace little_endian {
inline uint32_t Load32(const void* p) {
  return byte_order_internal::Load<uint32_t, std::endian::little>(p);
}
inline uint64_t Load64(const void* p) {
  return byte_order_internal::Load<uint64_t, std::endian::little>(p);
}
inline void Store32(void* p, uint32_t v) {
  byte_order_internal::Store<uint32_t, std::endian::little>(p, v);
}
inline void Store64(void* p, uint64_t v) {
  byte_order_internal::Store<uint64_t, std::endian::little>(p, v);
}
}  // namespace little_endian

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_BYTE_ORDER_H_
