// Counter-based random numbers (Philox4x32-10, Salmon et al. 2011). Element i of a draw depends
// only on (seed, offset, i), so results are reproducible and independent of the thread count.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>

#include "varbayes/tensor.h"

namespace varbayes {

// Philox4x32 multipliers and Weyl key increments (shared with the vectorized form in cpu/vmath.h).
constexpr uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;

// One Philox4x32-10 block: 4 random 32-bit words for a 128-bit counter and a 64-bit key.
inline std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 4> ctr, std::array<uint32_t, 2> key) {
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = uint64_t{kPhiloxM0} * ctr[0];
    const uint64_t p1 = uint64_t{kPhiloxM1} * ctr[2];
    ctr = {static_cast<uint32_t>(p1 >> 32) ^ ctr[1] ^ key[0], static_cast<uint32_t>(p1),
           static_cast<uint32_t>(p0 >> 32) ^ ctr[3] ^ key[1], static_cast<uint32_t>(p0)};
    key[0] += kPhiloxW0;
    key[1] += kPhiloxW1;
  }
  return ctr;
}

// Two uniform doubles in (0, 1) (53 bits each, never 0 so log() is safe) from one block.
inline std::array<double, 2> philox_uniform2(uint64_t seed, uint64_t block) {
  const auto r = philox4x32({static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), 0u, 0u},
                            {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)});
  constexpr double kScale = 1.0 / 9007199254740992.0;  // 2^-53
  const uint64_t a = (uint64_t{r[0]} << 21) ^ (r[1] >> 11);
  const uint64_t b = (uint64_t{r[2]} << 21) ^ (r[3] >> 11);
  return {(static_cast<double>(a & ((1ull << 53) - 1)) + 0.5) * kScale,
          (static_cast<double>(b & ((1ull << 53) - 1)) + 0.5) * kScale};
}

// Two standard normals from one block (Box-Muller).
std::array<double, 2> philox_normal2(uint64_t seed, uint64_t block);

// A stream of blocks: each draw reserves a range of counters, so consecutive draws differ and a
// re-seeded generator repeats them exactly.
class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}
  void manual_seed(uint64_t seed);
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  void set_offset(uint64_t offset);
  // Counters [first, first + blocks) of the stream keyed by seed.
  struct Blocks {
    uint64_t seed, first;
  };
  // Reserves `blocks` counters; the seed and the range are read together, so a draw never mixes
  // two seeds when another thread re-seeds (thread-safe).
  Blocks reserve(uint64_t blocks);

  // Fills a contiguous tensor in place.
  void fill_normal(Tensor& t, double mean = 0.0, double std = 1.0);
  void fill_uniform(Tensor& t, double low = 0.0, double high = 1.0);

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
  std::mutex mutex_;
};

// The process-wide generator. Threads drawing from it at the same time get disjoint draws, in an
// order that depends on the scheduling: concurrent work that must be reproducible draws from
// generators of its own (a GeneratorScope per thread).
Generator& default_generator();
void manual_seed(uint64_t seed);

// The generator of draws that name none (initialisation, Bayesian sampling, dropout, randn):
// that of the innermost GeneratorScope of this thread, else default_generator().
Generator& current_generator();

// RAII: draws that name no generator come from g in this thread while the scope lives (scopes
// nest). g must outlive the scope.
class GeneratorScope {
 public:
  explicit GeneratorScope(Generator& g);
  ~GeneratorScope();
  GeneratorScope(const GeneratorScope&) = delete;
  GeneratorScope& operator=(const GeneratorScope&) = delete;

 private:
  Generator* previous_;
};

}  // namespace varbayes
