// Elementwise kernels written once as templates and compiled once per ISA level: each
// elementwise_<isa>.cpp includes this file inside its own namespace, so the compiler vectorizes
// the same loops for that ISA (and the ODR cannot mix variants). The scalar build is the oracle.
// Included only from elementwise_<isa>.cpp, inside namespace varbayes::cpu::<isa>, after it
// defines kVectorBytes (0 for the scalar level).

#include "cpu/vmath.h"

template <class T, class F>
inline void map1(const T* in, T* out, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
}

// out = f(in) one vector of V at a time (T's values converted to V's lanes and back).
template <class V, class T, class F>
inline void map_vectors(const T* in, T* out, int64_t n, F f) {
  for_each_vector<V>(n, [&](int64_t i, int64_t count) { store(out + i, f(load<V>(in + i, count)), count); });
}

// Transcendental functions in vector registers of T's precision (vmath.h); false for the ops the
// compiler vectorizes by itself from the loops below.
template <class T, int B>
bool unary_vector(Unary op, const T* in, T* out, int64_t n) {
  using V = vec_t<T, B>;
  auto run = [&](auto f) {
    map_vectors<V>(in, out, n, f);
    return true;
  };
  switch (op) {
    case Unary::exp: return run([](V x) { return vexp(x); });
    case Unary::log: return run([](V x) { return vlog(x); });
    case Unary::log1p: return run([](V x) { return vlog1p(x); });
    case Unary::tanh: return run([](V x) { return vtanh(x); });
    case Unary::sigmoid: return run([](V x) { return vsigmoid(x); });
    case Unary::softplus: return run([](V x) { return vsoftplus(x); });
    default: return false;
  }
}

template <class M>
inline bool any_lane(M m) {
  for (int j = 0; j < lanes<M>; ++j)
    if (m[j]) return true;
  return false;
}

// Functions evaluated in float64 lanes for both precisions (float32 inputs are widened and the
// result rounded once, which is as accurate as float32 can hold); false for the others.
template <class T, int B>
bool unary_wide(Unary op, const T* in, T* out, int64_t n) {
  using V = vec_t<double, B>;
  switch (op) {
    case Unary::expm1: return map_vectors<V>(in, out, n, [](V x) { return vexpm1(x); }), true;
    case Unary::exp2: return map_vectors<V>(in, out, n, [](V x) { return vexp2(x); }), true;
    case Unary::sin:
    case Unary::cos: {
      const bool want_sin = op == Unary::sin;
      for_each_vector<V>(n, [&](int64_t i, int64_t count) {
        const V x = load<V>(in + i, count);
        // A vector with a lane out of vsincos's range (huge, inf, NaN) goes to std:: whole.
        if (any_lane((vabs(x) > kSinCosMax) | (x != x))) {
          if (want_sin) map1(in + i, out + i, count, [](T v) { return std::sin(v); });
          else map1(in + i, out + i, count, [](T v) { return std::cos(v); });
          return;
        }
        V s, c;
        vsincos(x, s, c);
        store(out + i, want_sin ? s : c, count);
      });
      return true;
    }
    default: return false;
  }
}

template <class T>
void unary_impl(Unary op, const T* in, T* out, int64_t n) {
  if constexpr (kVectorBytes > 0) {
    if (unary_vector<T, kVectorBytes>(op, in, out, n) || unary_wide<T, kVectorBytes>(op, in, out, n)) return;
  }
  switch (op) {
    case Unary::exp: return map1(in, out, n, [](T x) { return std::exp(x); });
    case Unary::log: return map1(in, out, n, [](T x) { return std::log(x); });
    case Unary::log1p: return map1(in, out, n, [](T x) { return std::log1p(x); });
    case Unary::sqrt: return map1(in, out, n, [](T x) { return std::sqrt(x); });
    case Unary::tanh: return map1(in, out, n, [](T x) { return std::tanh(x); });
    case Unary::sigmoid: return map1(in, out, n, [](T x) { return stable_sigmoid(x); });
    case Unary::softplus: return map1(in, out, n, [](T x) { return stable_softplus(x); });
    // NaN propagates through relu (x > 0 is false for NaN, so test the negation).
    case Unary::relu: return map1(in, out, n, [](T x) { return x < T(0) ? T(0) : x; });
    case Unary::abs: return map1(in, out, n, [](T x) { return std::abs(x); });
    case Unary::neg: return map1(in, out, n, [](T x) { return -x; });
    case Unary::reciprocal: return map1(in, out, n, [](T x) { return T(1) / x; });
    case Unary::sin: return map1(in, out, n, [](T x) { return std::sin(x); });
    case Unary::cos: return map1(in, out, n, [](T x) { return std::cos(x); });
    case Unary::tan: return map1(in, out, n, [](T x) { return std::tan(x); });
    case Unary::asin: return map1(in, out, n, [](T x) { return std::asin(x); });
    case Unary::acos: return map1(in, out, n, [](T x) { return std::acos(x); });
    case Unary::atan: return map1(in, out, n, [](T x) { return std::atan(x); });
    case Unary::sinh: return map1(in, out, n, [](T x) { return std::sinh(x); });
    case Unary::cosh: return map1(in, out, n, [](T x) { return std::cosh(x); });
    case Unary::asinh: return map1(in, out, n, [](T x) { return std::asinh(x); });
    case Unary::acosh: return map1(in, out, n, [](T x) { return std::acosh(x); });
    case Unary::atanh: return map1(in, out, n, [](T x) { return std::atanh(x); });
    case Unary::erf: return map1(in, out, n, [](T x) { return std::erf(x); });
    case Unary::erfc: return map1(in, out, n, [](T x) { return std::erfc(x); });
    case Unary::erfinv: return map1(in, out, n, [](T x) { return erfinv_scalar(x); });
    case Unary::expm1: return map1(in, out, n, [](T x) { return std::expm1(x); });
    case Unary::exp2: return map1(in, out, n, [](T x) { return std::exp2(x); });
    case Unary::log2: return map1(in, out, n, [](T x) { return std::log2(x); });
    case Unary::log10: return map1(in, out, n, [](T x) { return std::log10(x); });
    case Unary::rsqrt: return map1(in, out, n, [](T x) { return T(1) / std::sqrt(x); });
    case Unary::square: return map1(in, out, n, [](T x) { return x * x; });
    case Unary::floor: return map1(in, out, n, [](T x) { return std::floor(x); });
    case Unary::ceil: return map1(in, out, n, [](T x) { return std::ceil(x); });
    // nearbyint rounds half to even in the default rounding mode (and, unlike rint, never raises).
    case Unary::round: return map1(in, out, n, [](T x) { return std::nearbyint(x); });
    case Unary::trunc: return map1(in, out, n, [](T x) { return std::trunc(x); });
    case Unary::frac: return map1(in, out, n, [](T x) { return x - std::trunc(x); });
    case Unary::count: break;
  }
}

// The three stride patterns that matter get their own loops so they vectorize.
template <class T, class F>
inline void map2(const T* a, int64_t sa, const T* b, int64_t sb, T* out, int64_t n, F f) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const T bv = *b;
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], bv);
  } else if (sa == 0 && sb == 1) {
    const T av = *a;
    for (int64_t i = 0; i < n; ++i) out[i] = f(av, b[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i * sa], b[i * sb]);
  }
}

template <class T>
void binary_impl(Binary op, const T* a, int64_t sa, const T* b, int64_t sb, T* out, int64_t n) {
  switch (op) {
    case Binary::add: return map2(a, sa, b, sb, out, n, [](T x, T y) { return x + y; });
    case Binary::sub: return map2(a, sa, b, sb, out, n, [](T x, T y) { return x - y; });
    case Binary::mul: return map2(a, sa, b, sb, out, n, [](T x, T y) { return x * y; });
    case Binary::div: return map2(a, sa, b, sb, out, n, [](T x, T y) { return x / y; });
    case Binary::pow: return map2(a, sa, b, sb, out, n, [](T x, T y) { return std::pow(x, y); });
    // NaN in either operand propagates, as in NumPy's maximum/minimum.
    case Binary::maximum:
      return map2(a, sa, b, sb, out, n, [](T x, T y) { return (x > y || x != x) ? x : y; });
    case Binary::minimum:
      return map2(a, sa, b, sb, out, n, [](T x, T y) { return (x < y || x != x) ? x : y; });
    case Binary::relu_grad: return map2(a, sa, b, sb, out, n, [](T g, T y) { return y > T(0) ? g : T(0); });
    case Binary::atan2: return map2(a, sa, b, sb, out, n, [](T x, T y) { return std::atan2(x, y); });
    case Binary::fmod: return map2(a, sa, b, sb, out, n, [](T x, T y) { return std::fmod(x, y); });
    case Binary::remainder: return map2(a, sa, b, sb, out, n, [](T x, T y) { return python_remainder(x, y); });
    case Binary::hypot: return map2(a, sa, b, sb, out, n, [](T x, T y) { return std::hypot(x, y); });
    case Binary::logaddexp: return map2(a, sa, b, sb, out, n, [](T x, T y) { return stable_logaddexp(x, y); });
    case Binary::count: break;
  }
}

void unary_f32(Unary op, const float* in, float* out, int64_t n) { unary_impl(op, in, out, n); }
void unary_f64(Unary op, const double* in, double* out, int64_t n) { unary_impl(op, in, out, n); }
void binary_f32(Binary op, const float* a, int64_t sa, const float* b, int64_t sb, float* out, int64_t n) {
  binary_impl(op, a, sa, b, sb, out, n);
}
void binary_f64(Binary op, const double* a, int64_t sa, const double* b, int64_t sb, double* out, int64_t n) {
  binary_impl(op, a, sa, b, sb, out, n);
}

// ---- Reductions and row-wise softmax (ReduceKernels) ----

// Folds v into a running extreme; NaN wins (once NaN, it stays).
template <class T>
inline T fold_extreme(T best, T v, Reduce op) {
  return (v != v || (op == Reduce::max ? v > best : v < best)) ? v : best;
}

// acc += the lanes of v in float64 (a float32 vector fills two float64 vectors).
template <class D, class V>
inline void add_wide(D (&acc)[2], V v) {
  // Intrinsics: GCC 12 converts generic 8-float vectors to double 4 lanes at a time. Zero-masked
  // forms with full masks, as in vmath.h, avoid GCC 12's false -Wmaybe-uninitialized.
  if constexpr (is_f32<V> && sizeof(V) == 64) {
    acc[0] += (D)_mm512_maskz_cvtps_pd(0xff, _mm512_maskz_extractf32x8_ps(0xff, v, 0));
    acc[1] += (D)_mm512_maskz_cvtps_pd(0xff, _mm512_maskz_extractf32x8_ps(0xff, v, 1));
  } else if constexpr (is_f32<V>) {
    acc[0] += (D)_mm256_cvtps_pd(_mm256_castps256_ps128(v));
    acc[1] += (D)_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
  } else {
    acc[0] += v;
  }
}

template <class D>
inline double lane_sum(const D (&acc)[2]) {
  const D t = acc[0] + acc[1];
  double s = 0;
  for (int j = 0; j < lanes<D>; ++j) s += t[j];
  return s;
}

// Sum of n contiguous values in float64; the vector form keeps four independent accumulator
// pairs so the additions do not wait on each other.
// B: vector bytes, a parameter so that the scalar level never forms vec_t<double, 0>.
template <class T, int B = kVectorBytes>
double sum_row(const T* p, int64_t n) {
  if constexpr (B > 0) {
    using V = vec_t<T, B>;
    using D = vec_t<double, B>;
    constexpr int64_t L = lanes<V>;
    D acc[4][2] = {};
    int64_t i = 0;
    for (; i + 4 * L <= n; i += 4 * L)
      for (int k = 0; k < 4; ++k) add_wide(acc[k], load<V>(p + i + k * L, L));
    for (; i < n; i += L) add_wide(acc[0], load<V>(p + i, std::min(L, n - i)));  // tail loads are zero-filled
    for (int k = 1; k < 4; ++k) acc[0][0] += acc[k][0], acc[0][1] += acc[k][1];
    return lane_sum(acc[0]);
  } else {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += static_cast<double>(p[i]);
    return s;
  }
}

template <class T, int B = kVectorBytes>
T extreme_row(const T* p, int64_t n, Reduce op) {
  T best = p[0];
  int64_t i = 1;
  if constexpr (B > 0) {
    using V = vec_t<T, B>;
    constexpr int64_t L = lanes<V>;
    if (n >= 2 * L) {
      V b = load<V>(p, L);
      const bool max = op == Reduce::max;
      for (i = L; i + L <= n; i += L) {
        const V v = load<V>(p + i, L);
        b = select((v != v) | (max ? v > b : v < b), v, b);
      }
      best = b[0];
      for (int j = 1; j < L; ++j) best = fold_extreme(best, b[j], op);
    }
  }
  for (; i < n; ++i) best = fold_extreme(best, p[i], op);
  return best;
}

template <class T>
void reduce_rows_impl(Reduce op, const T* in, int64_t rows, int64_t n, T* out) {
  for (int64_t r = 0; r < rows; ++r)
    out[r] = op == Reduce::sum ? static_cast<T>(sum_row(in + r * n, n)) : extreme_row(in + r * n, n, op);
}

// Whole rows are folded into a block of column accumulators that stays in L1 (no transposed
// copy); four rows per step for the sums, added in float64.
template <class T>
void reduce_columns_impl(Reduce op, const T* in, int64_t rows, int64_t cols, int64_t ld, T* out) {
  constexpr int64_t kBlock = 512;
  for (int64_t j0 = 0; j0 < cols; j0 += kBlock) {
    const int64_t n = std::min(kBlock, cols - j0);
    const T* p = in + j0;
    if (op == Reduce::sum) {
      double acc[kBlock] = {};
      int64_t i = 0;
      for (; i + 4 <= rows; i += 4) {
        const T *r0 = p + i * ld, *r1 = r0 + ld, *r2 = r1 + ld, *r3 = r2 + ld;
        for (int64_t j = 0; j < n; ++j)
          acc[j] += (double(r0[j]) + double(r1[j])) + (double(r2[j]) + double(r3[j]));
      }
      for (; i < rows; ++i)
        for (int64_t j = 0; j < n; ++j) acc[j] += double(p[i * ld + j]);
      for (int64_t j = 0; j < n; ++j) out[j0 + j] = static_cast<T>(acc[j]);
    } else {
      T best[kBlock];
      for (int64_t j = 0; j < n; ++j) best[j] = p[j];
      for (int64_t i = 1; i < rows; ++i)
        for (int64_t j = 0; j < n; ++j) best[j] = fold_extreme(best[j], p[i * ld + j], op);
      for (int64_t j = 0; j < n; ++j) out[j0 + j] = best[j];
    }
  }
}

// sum(exp(x - shift)) over n values in float64, storing the exponentials in y unless it is null.
template <class T, int B = kVectorBytes>
double exp_sum_row(const T* x, int64_t n, T shift, T* y) {
  if constexpr (B > 0) {
    using V = vec_t<T, B>;
    using D = vec_t<double, B>;
    D acc[2] = {};
    mask_t<V> iota{};
    for (int j = 0; j < lanes<V>; ++j) iota[j] = j;
    for_each_vector<V>(n, [&](int64_t i, int64_t c) {
      V e = vexp(load<V>(x + i, c) - shift);
      if (c < lanes<V>) e = select(iota < static_cast<int>(c), e, V{});  // lanes past the end were loaded as 0
      if (y) store(y + i, e, c);
      add_wide(acc, e);
    });
    return lane_sum(acc);
  } else {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) {
      const T e = std::exp(x[i] - shift);
      if (y) y[i] = e;
      s += static_cast<double>(e);
    }
    return s;
  }
}

// The shift of a row with maximum m: m, or 0 where m is infinite and the caller wants the exact
// log-sum (inf - inf would be NaN); NaN when m is (any NaN makes the row NaN).
template <class T>
inline T lse_shift(T m) {
  return std::isinf(m) ? T(0) : m;
}

template <class T>
void logsumexp_impl(const T* in, int64_t rows, int64_t n, T* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* x = in + r * n;
    const T shift = lse_shift(extreme_row(x, n, Reduce::max));
    out[r] = static_cast<T>(std::log(exp_sum_row(x, n, shift, static_cast<T*>(nullptr))) + double(shift));
  }
}

template <class T>
void softmax_impl(const T* in, T* out, int64_t rows, int64_t n, bool log) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* x = in + r * n;
    T* y = out + r * n;
    const T m = extreme_row(x, n, Reduce::max);
    if (log) {
      const T shift = lse_shift(m);
      const T lse = static_cast<T>(std::log(exp_sum_row(x, n, shift, static_cast<T*>(nullptr))) + double(shift));
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] - lse;
    } else {
      // Shifting by an infinite maximum gives NaN for its own entries, as in PyTorch.
      const T inv = static_cast<T>(1.0 / exp_sum_row(x, n, m, y));
      for (int64_t i = 0; i < n; ++i) y[i] *= inv;
    }
  }
}

const ReduceKernels<float> reduce_f32{reduce_rows_impl<float>, reduce_columns_impl<float>, logsumexp_impl<float>,
                                      softmax_impl<float>};
const ReduceKernels<double> reduce_f64{reduce_rows_impl<double>, reduce_columns_impl<double>,
                                       logsumexp_impl<double>, softmax_impl<double>};
