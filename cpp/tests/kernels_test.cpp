// Vectorized elementwise math and sampling kernels of every ISA level the CPU has: accuracy
// against std:: evaluated in higher precision (double for float32, long double for float64) over
// dense sweeps and special values, and agreement with the scalar oracle at awkward sizes.
#include "cpu/kernels.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "varbayes/random.h"

using namespace varbayes::cpu;

namespace {

std::vector<Isa> levels() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512})
    if (isa <= cpu_features().best()) out.push_back(isa);
  return out;
}

// Reference in long double with the same special-value conventions as the scalar forms.
long double reference(Unary op, long double x) {
  switch (op) {
    case Unary::exp:
      return std::exp(x);
    case Unary::log:
      return std::log(x);
    case Unary::log1p:
      return std::log1p(x);
    case Unary::tanh:
      return std::tanh(x);
    case Unary::sigmoid: {
      const long double e = std::exp(-std::fabs(x));
      return x >= 0 ? 1 / (1 + e) : e / (1 + e);
    }
    case Unary::softplus:
      return std::fmax(x, 0.0L) + std::log1p(std::exp(-std::fabs(x))) + (x != x ? x : 0);
    case Unary::sin:
      return std::sin(x);
    case Unary::cos:
      return std::cos(x);
    case Unary::expm1:
      return std::expm1(x);
    case Unary::exp2:
      return std::exp2(x);
    default:
      break;
  }
  return NAN;
}

// Error of `got` in units in the last place of T at the exact value (subnormal ulp below the
// normal range); infinite when a special value (NaN, inf, signed zero) differs.
template <class T>
double ulp_error(T got, long double ref) {
  using L = std::numeric_limits<T>;
  if (std::isnan(ref)) return std::isnan(got) ? 0 : INFINITY;
  // The exact value rounds to inf beyond the largest finite T (half an ulp above it).
  const long double max_plus_half = static_cast<long double>(L::max()) * (1 + 0.5L * L::epsilon());
  if (std::isinf(ref) || std::fabs(ref) >= max_plus_half)
    return (std::isinf(got) && std::signbit(got) == std::signbit(ref)) ? 0 : INFINITY;
  if (std::isnan(got) || std::isinf(got)) return INFINITY;
  if (ref == 0) return got == 0 && std::signbit(got) == std::signbit(ref) ? 0 : INFINITY;
  const int e = std::max(std::ilogb(ref), L::min_exponent - 1);
  return static_cast<double>(std::fabs(static_cast<long double>(got) - ref) /
                             std::ldexp(1.0L, e - (L::digits - 1)));
}

const Unary kMath[] = {Unary::exp,      Unary::log, Unary::log1p, Unary::tanh,  Unary::sigmoid,
                       Unary::softplus, Unary::sin, Unary::cos,   Unary::expm1, Unary::exp2};
const char* name(Unary op) {
  switch (op) {
    case Unary::exp:
      return "exp";
    case Unary::log:
      return "log";
    case Unary::log1p:
      return "log1p";
    case Unary::tanh:
      return "tanh";
    case Unary::sigmoid:
      return "sigmoid";
    case Unary::softplus:
      return "softplus";
    case Unary::sin:
      return "sin";
    case Unary::cos:
      return "cos";
    case Unary::expm1:
      return "expm1";
    case Unary::exp2:
      return "exp2";
    default:
      return "?";
  }
}

// Inputs: special values, thresholds, a dense linear sweep and every k-th bit pattern of T.
template <class T>
std::vector<T> sweep() {
  using L = std::numeric_limits<T>;
  std::vector<T> x = {T(0),
                      -T(0),
                      L::denorm_min(),
                      -L::denorm_min(),
                      L::min(),
                      -L::min(),
                      L::max(),
                      -L::max(),
                      L::infinity(),
                      -L::infinity(),
                      L::quiet_NaN(),
                      -L::quiet_NaN(),
                      T(1),
                      T(-1),
                      T(100),
                      T(-100),
                      T(88.72283),
                      T(88.72284),
                      T(-87.33655),
                      T(-103.9721),
                      T(-103.9720),
                      T(709.782712893384),
                      T(709.7827128933841),
                      T(-708.3964185322641),
                      T(-745.1332191019411),
                      T(-745.1332191019412),
                      T(1e-30),
                      T(-1e-30),
                      T(0.5),
                      T(-0.5),
                      T(1) - L::epsilon(),
                      T(1) + L::epsilon(),
                      T(-0.999999),
                      T(-1) + L::epsilon() / 2,
                      T(20),
                      T(-20),
                      T(40),
                      T(-40)};
  for (int i = -200000; i <= 200000; ++i) x.push_back(T(i) * T(1e-4));
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  const Bits step = sizeof(T) == 4 ? Bits(4099) : Bits(0x3fffb) << 32;  // a prime-ish stride over all bits
  for (Bits b = 0;; b += step) {
    T v;
    std::memcpy(&v, &b, sizeof v);
    x.push_back(v);
    if (b > std::numeric_limits<Bits>::max() - step) break;
  }
  return x;
}

// Relative error |got - exact| / max(|exact|, smallest normal T): relative for normal results,
// absolute in units of the smallest normal for subnormal ones (where T has fewer digits); special
// values as ulp_error.
template <class T>
double relative_error(T got, long double ref) {
  const double e = ulp_error(got, ref);
  if (e == 0 || !std::isfinite(e)) return e;
  return static_cast<double>(
      std::fabs(static_cast<long double>(got) - ref) /
      std::max(std::fabs(ref), static_cast<long double>(std::numeric_limits<T>::min())));
}

template <class T, class Error>
double max_error(Isa isa, Unary op, const std::vector<T>& x, Error error) {
  std::vector<T> y(x.size());
  unary_fn<T>(kernels_for(isa))(op, x.data(), y.data(), int64_t(x.size()));
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double err = error(y[i], reference(op, static_cast<long double>(x[i])));
    if (!(err <= worst)) {
      INFO(name(op) << "(" << double(x[i]) << ") = " << double(y[i]) << ", exact "
                    << double(reference(op, static_cast<long double>(x[i]))));
      CHECK(std::isfinite(err));
      worst = err;
    }
  }
  return worst;
}

// Equal within a relative tolerance, or both NaN, or the same infinity.
template <class T>
bool close(T a, T b, double rtol) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(double(a) - double(b)) <= rtol * std::fabs(double(b)) + 1e-300;
}

}  // namespace

// Stated bounds of the vector kernels (vmath.h): float32 (computed in float32) relative error below
// 2e-7, float64 within 3 ulp. The scalar oracle is libm's (within 4 ulp).
TEMPLATE_TEST_CASE("vector math accuracy against std in higher precision", "[kernels]", float, double) {
  using T = TestType;
  const std::vector<T> x = sweep<T>();
  for (Isa isa : levels()) {
    for (Unary op : kMath) {
      INFO(isa_name(isa) << " " << name(op));
      if (isa == Isa::scalar || sizeof(T) == 8) {
        CHECK(max_error(isa, op, x, ulp_error<T>) <= (isa == Isa::scalar ? 4.0 : 3.0));
      } else {
        CHECK(max_error(isa, op, x, relative_error<T>) < 2e-7);
      }
    }
  }
}

// Every op (vectorized or not), vector width, tail length and alignment, out of place and in place,
// against the oracle.
TEMPLATE_TEST_CASE("vector math matches the scalar oracle at all sizes, offsets and in place", "[kernels]",
                   float, double) {
  using T = TestType;
  const auto& ref = kernels_for(Isa::scalar);
  for (Isa isa : levels()) {
    for (int code = 0; code < int(Unary::count); ++code) {
      const Unary op = Unary(code);
      for (int64_t n : {1, 15, 16, 17, 31, 33, 64, 1000}) {
        for (int64_t offset : {0, 1, 3}) {
          INFO(isa_name(isa) << " op " << code << " n=" << n << " offset=" << offset);
          std::vector<T> buf(static_cast<size_t>(n + offset + 1), T(-7)), expect(static_cast<size_t>(n));
          for (int64_t i = 0; i < n; ++i) buf[size_t(offset + i)] = T(0.37 * double(i % 41) - 6.0);
          T* x = buf.data() + offset;
          unary_fn<T>(ref)(op, x, expect.data(), n);
          std::vector<T> out(size_t(n + 1), T(-9));
          unary_fn<T>(kernels_for(isa))(op, x, out.data(), n);
          CHECK(out[size_t(n)] == T(-9));              // nothing written past the end
          unary_fn<T>(kernels_for(isa))(op, x, x, n);  // in place
          CHECK(buf[size_t(offset + n)] == T(-7));
          for (int64_t i = 0; i < n; ++i) {
            INFO("element " << i);
            CHECK(close(out[size_t(i)], expect[size_t(i)], 4 * std::numeric_limits<T>::epsilon()));
            CHECK(std::memcmp(&x[i], &out[size_t(i)], sizeof(T)) == 0);
          }
        }
      }
    }
  }
}

namespace {

template <class T>
std::vector<T> ramp(int64_t n, double a, double b) {
  std::vector<T> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = T(a + (b - a) * double((i * 37) % 101) / 100.0);
  return v;
}

template <class T>
void check_close(const std::vector<T>& got, const std::vector<T>& want, double rtol, double atol) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(std::fabs(double(got[i]) - double(want[i])) <= rtol * std::fabs(double(want[i])) + atol);
  }
}

}  // namespace

// Vector Philox + Box-Muller against philox_normal2/philox_uniform2, including a counter whose
// low word wraps inside a vector and a range split at an even element.
TEMPLATE_TEST_CASE("random fills of every level match the scalar stream", "[kernels]", float, double) {
  using T = TestType;
  const double rtol = sizeof(T) == 4 ? 2e-7 : 1e-13;
  const auto& ref = bayes_kernels<T>(kernels_for(Isa::scalar));
  for (Isa isa : levels()) {
    const auto& k = bayes_kernels<T>(kernels_for(isa));
    for (int64_t n : {1, 15, 16, 17, 31, 33, 64, 1000}) {
      for (uint64_t first : {uint64_t{0}, uint64_t{0xfffffffbu}, uint64_t{0x123456789abull}}) {
        INFO(isa_name(isa) << " n=" << n << " first=" << first);
        const uint64_t seed = 0x9e3779b97f4a7c15ull + first;
        std::vector<T> want(static_cast<size_t>(n)), got(static_cast<size_t>(n));
        ref.fill_normal(seed, first, want.data(), n, 0.5, 2.0);
        k.fill_normal(seed, first, got.data(), n, 0.5, 2.0);
        check_close(got, want, rtol, rtol);
        // Elements from an even index on are the draw that starts at block first + index / 2.
        const int64_t split = (n / 3) & ~int64_t{1};
        std::vector<T> parts(static_cast<size_t>(n));
        k.fill_normal(seed, first, parts.data(), split, 0.5, 2.0);
        k.fill_normal(seed, first + uint64_t(split / 2), parts.data() + split, n - split, 0.5, 2.0);
        CHECK(parts == got);
        ref.fill_uniform(seed, first, want.data(), n, -1.0, 3.0);
        k.fill_uniform(seed, first, got.data(), n, -1.0, 3.0);
        CHECK(got == want);  // the same bits: uniforms are formed exactly as in philox_uniform2
      }
    }
  }
}

// The fused posterior passes (sample, KL, and the one-pass backward with every combination of
// gradient terms) of every level against the scalar oracle, which evaluates in float64 with std::.
// The float32 vector forms compute in float32 (vmath.h), hence the looser float32 bounds; sums
// accumulate in float64. Nothing is written past the end of any output.
TEMPLATE_TEST_CASE("fused posterior kernels of every level match the scalar oracle", "[kernels]", float,
                   double) {
  using T = TestType;
  const double rtol = sizeof(T) == 4 ? 4e-6 : 1e-12;
  const auto& ref = bayes_kernels<T>(kernels_for(Isa::scalar));
  for (Isa isa : levels()) {
    const auto& k = bayes_kernels<T>(kernels_for(isa));
    for (int64_t n : {1, 15, 16, 17, 31, 33, 64, 1000}) {
      // rho spans softplus's regimes, including below -30 where the KL uses its asymptotic forms.
      const std::vector<T> mu = ramp<T>(n, -1.0, 1.0), rho = ramp<T>(n, -40.0, 6.0),
                           gw = ramp<T>(n, -2.0, 2.0), gvar = ramp<T>(n, 3.0, -1.0),
                           pm = ramp<T>(n, -0.5, 0.5), ps = ramp<T>(n, 0.1, 2.0);
      auto sized = [n](T fill) { return std::vector<T>(static_cast<size_t>(n + 1), fill); };
      for (int64_t stride : {0, 1}) {
        INFO(isa_name(isa) << " n=" << n << " prior stride " << stride);
        const PosteriorArgs<T> a{mu.data(), rho.data(), pm.data(), ps.data(), stride, stride, n, 7, 11};
        // Forward: with and without the sample and the variance, with and without the KL.
        for (bool kl : {false, true}) {
          std::vector<T> want = sized(T(-9)), got = sized(T(-9)), var_want = sized(T(-9)),
                         var_got = sized(T(-9));
          const double kl_want = ref.posterior_fwd(a, want.data(), var_want.data(), kl),
                       kl_got = k.posterior_fwd(a, got.data(), var_got.data(), kl);
          check_close(got, want, rtol, 1e-30);
          check_close(var_got, var_want, 2 * rtol, 1e-30);
          CHECK(got[size_t(n)] == T(-9));
          CHECK(var_got[size_t(n)] == T(-9));
          CHECK(kl_got == Approx(kl_want).epsilon(rtol));
          CHECK(k.posterior_fwd(a, nullptr, nullptr, kl) == Approx(kl_want).epsilon(rtol));
        }
        // The sample is the normal draw at the same counters: mu + softplus(rho) * eps.
        std::vector<T> eps = sized(T(0)), w = sized(T(0));
        ref.fill_normal(7, 11, eps.data(), n, 0.0, 1.0);
        k.posterior_fwd(a, w.data(), nullptr, false);
        for (int64_t i = 0; i < n; ++i)
          CHECK(double(w[size_t(i)]) ==
                Approx(mu[size_t(i)] + std::log1p(std::exp(double(rho[size_t(i)]))) * eps[size_t(i)])
                    .epsilon(rtol)
                    .margin(1e-6));
        // Backward: every combination of the terms.
        for (int terms = 1; terms < 16; ++terms) {
          const bool use_w = terms & 1, sample = terms & 2, use_var = terms & 4, kl = terms & 8;
          INFO("g_w " << use_w << " sample " << sample << " g_var " << use_var << " kl " << kl);
          std::vector<std::vector<T>> want(4, sized(T(-9))), got = want;
          auto grads = [&](std::vector<std::vector<T>>& out) {
            return PosteriorGrads<T>{use_w ? gw.data() : nullptr,
                                     use_var ? gvar.data() : nullptr,
                                     sample,
                                     kl,
                                     kl,
                                     0.75,
                                     out[0].data(),
                                     out[1].data(),
                                     out[2].data(),
                                     out[3].data()};
          };
          const PriorGradSums sw = ref.posterior_bwd(a, grads(want)), sg = k.posterior_bwd(a, grads(got));
          for (size_t j = 0; j < 4; ++j) {
            if (j >= 2 && (!kl || !stride)) continue;  // not written: no KL, or summed
            check_close(got[j], want[j], 8 * rtol, 1e-30);
            CHECK(got[j][size_t(n)] == T(-9));
          }
          CHECK(sg.mean == Approx(sw.mean).epsilon(8 * rtol).margin(1e-12));
          CHECK(sg.std == Approx(sw.std).epsilon(8 * rtol).margin(1e-12));
        }
      }
    }
  }
}

// Reductions and row-wise softmax of every level against the scalar oracle: row lengths around
// the vector widths, NaN and infinities in rows, column blocks with a leading dimension, in place.
TEMPLATE_TEST_CASE("reduction and softmax kernels of every level match the scalar oracle", "[kernels]", float,
                   double) {
  using T = TestType;
  const double rtol = sizeof(T) == 4 ? 4e-7 : 1e-14;
  const auto& ref = reduce_kernels<T>(kernels_for(Isa::scalar));
  for (Isa isa : levels()) {
    const auto& k = reduce_kernels<T>(kernels_for(isa));
    for (int64_t n : {1, 15, 16, 17, 31, 33, 64, 1000}) {
      const int64_t rows = 5;
      INFO(isa_name(isa) << " n=" << n);
      std::vector<T> x = ramp<T>(rows * n, -30.0, 40.0);
      x[size_t(n / 2)] = std::numeric_limits<T>::quiet_NaN();          // row 0: NaN wins
      x[size_t(n + n / 3)] = std::numeric_limits<T>::infinity();       // row 1: +inf
      x[size_t(2 * n + n - 1)] = -std::numeric_limits<T>::infinity();  // row 2: -inf (last element)
      std::vector<T> want(size_t(rows * n)), got(size_t(rows * n));
      for (Reduce op : {Reduce::sum, Reduce::max, Reduce::min}) {
        INFO("op " << int(op));
        ref.rows(op, x.data(), rows, n, want.data());
        k.rows(op, x.data(), rows, n, got.data());
        for (int64_t r = 0; r < rows; ++r) CHECK(close(got[size_t(r)], want[size_t(r)], rtol));
        // Columns of the (rows, n - 1) block inside the (rows, n) array.
        const int64_t cols = std::max<int64_t>(n - 1, 1);
        ref.columns(op, x.data(), rows, cols, n, want.data());
        k.columns(op, x.data(), rows, cols, n, got.data());
        for (int64_t j = 0; j < cols; ++j) CHECK(close(got[size_t(j)], want[size_t(j)], rtol));
      }
      ref.logsumexp(x.data(), rows, n, want.data());
      k.logsumexp(x.data(), rows, n, got.data());
      for (int64_t r = 0; r < rows; ++r) CHECK(close(got[size_t(r)], want[size_t(r)], rtol));
      for (bool log : {false, true}) {
        INFO("log " << log);
        ref.softmax(x.data(), want.data(), rows, n, log);
        std::vector<T> inplace = x;
        k.softmax(inplace.data(), inplace.data(), rows, n, log);
        for (int64_t i = 0; i < rows * n; ++i) {
          INFO("element " << i);
          // Tiny probabilities are compared absolutely (exp rounds differently near underflow).
          CHECK((close(inplace[size_t(i)], want[size_t(i)], 4 * rtol) ||
                 (!log && std::fabs(double(inplace[size_t(i)]) - double(want[size_t(i)])) < 1e-30)));
        }
      }
    }
  }
}
