// SHA-256 (FIPS 180-4), for the checksum that ends every checkpoint file.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace varbayes::detail {

class Sha256 {
 public:
  using Digest = std::array<uint8_t, 32>;
  Sha256();
  // Feeds n more bytes of the message.
  void update(const void* data, size_t n);
  // The digest of everything fed so far; the object must not be updated afterwards.
  Digest finish();

 private:
  void compress(const uint8_t* block);
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// The digest of a whole message.
Sha256::Digest sha256(std::string_view data);

}  // namespace varbayes::detail
