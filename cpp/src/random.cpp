#include "varbayes/random.h"

#include <cmath>
#include <numbers>

#include "cpu/kernels.h"
#include "ops/iter.h"

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

Generator::Blocks Generator::reserve(uint64_t blocks) {
  std::lock_guard lock(mutex_);
  const Blocks r{seed_, offset_};
  offset_ += blocks;
  return r;
}

namespace {

// Element i takes value (i % 2) of block first + i / 2, whatever the thread count: chunks start at
// even elements, so each is the draw starting at block first + start / 2.
void fill_draw(Generator& g, Tensor& t, bool normal, double a, double b) {
  if (!t.is_contiguous()) fail<ValueError>("random fill needs a contiguous tensor");
  if (!is_floating_point(t.dtype()))
    fail<TypeError>("random fill: dtype ", dtype_name(t.dtype()), " is not supported; samples are float32 or float64");
  const int64_t n = t.numel();
  const auto [seed, first] = g.reserve(static_cast<uint64_t>((n + 1) / 2));
  dispatch_dtype(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const auto& k = cpu::bayes_kernels<T>(cpu::kernels());
    const auto fill = normal ? k.fill_normal : k.fill_uniform;
    T* p = t.data<T>();
    detail::parallel_chunks(
        n, [&](int64_t s, int64_t e) { fill(seed, first + uint64_t(s / 2), p + s, e - s, a, b); });
  });
  t.storage()->bump_version();
}

}  // namespace

void Generator::fill_normal(Tensor& t, double mean, double std) { fill_draw(*this, t, true, mean, std); }

// Uniform values are in (0, 1); mapped to [low, high).
void Generator::fill_uniform(Tensor& t, double low, double high) { fill_draw(*this, t, false, low, high); }

Generator& default_generator() {
  static Generator g(0);
  return g;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

namespace {
thread_local Generator* t_scoped_generator = nullptr;
}  // namespace

Generator& current_generator() { return t_scoped_generator ? *t_scoped_generator : default_generator(); }

GeneratorScope::GeneratorScope(Generator& g) : previous_(t_scoped_generator) { t_scoped_generator = &g; }
GeneratorScope::~GeneratorScope() { t_scoped_generator = previous_; }

}  // namespace varbayes
