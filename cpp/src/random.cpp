#include "varbayes/random.h"

#include <cmath>
#include <numbers>

namespace varbayes {

std::array<double, 2> philox_normal2(uint64_t seed, uint64_t block) {
  const auto u = philox_uniform2(seed, block);
  const double r = std::sqrt(-2.0 * std::log(u[0]));
  const double theta = 2.0 * std::numbers::pi * u[1];
  return {r * std::cos(theta), r * std::sin(theta)};
}

void Generator::manual_seed(uint64_t seed) {
  std::lock_guard lock(mutex_);
  seed_ = seed;
  offset_ = 0;
}

void Generator::set_offset(uint64_t offset) {
  std::lock_guard lock(mutex_);
  offset_ = offset;
}

uint64_t Generator::reserve(uint64_t blocks) {
  std::lock_guard lock(mutex_);
  const uint64_t first = offset_;
  offset_ += blocks;
  return first;
}

namespace {

// Element i takes value (i % 2) of block first + i / 2, whatever the thread count.
// Values are clipped below `upper`: rounding to float32 could otherwise produce the excluded bound.
template <class Draw, class Map>
void fill_pairs(Generator& g, Tensor& t, Draw draw, Map map, double upper) {
  if (!t.is_contiguous()) fail<ValueError>("random fill needs a contiguous tensor");
  const int64_t n = t.numel();
  const uint64_t seed = g.seed();
  const uint64_t first = g.reserve(static_cast<uint64_t>((n + 1) / 2));
  dispatch_dtype(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    const T below = std::nextafter(static_cast<T>(upper), static_cast<T>(-INFINITY));
    auto store = [&](double x) { return static_cast<T>(x) >= static_cast<T>(upper) ? below : static_cast<T>(x); };
#pragma omp parallel for schedule(static) if (n > 65536)
    for (int64_t b = 0; b < (n + 1) / 2; ++b) {
      const auto v = draw(seed, first + static_cast<uint64_t>(b));
      p[2 * b] = store(map(v[0]));
      if (2 * b + 1 < n) p[2 * b + 1] = store(map(v[1]));
    }
  });
  t.storage()->bump_version();
}

}  // namespace

void Generator::fill_normal(Tensor& t, double mean, double std) {
  fill_pairs(*this, t, philox_normal2, [=](double z) { return mean + std * z; }, INFINITY);
}

void Generator::fill_uniform(Tensor& t, double low, double high) {
  // Uniform values are in (0, 1); map to [low, high).
  fill_pairs(*this, t, philox_uniform2, [=](double u) { return low + (high - low) * u; }, high);
}

Generator& default_generator() {
  static Generator g(0);
  return g;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace varbayes
