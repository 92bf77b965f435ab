// Math shared by the kernel families: the std:: scalar forms (the oracle, used by the scalar level)
// and vectorized forms written once on GCC vector extensions, instantiated per ISA level.
// Included only from <family>_impl.h, inside namespace varbayes::cpu::<isa>, after <immintrin.h>,
// <cmath>, <cstring> and "varbayes/random.h". The scalar level never instantiates the vector
// templates (they take the vector width as a template argument and it uses width 0).
//
// The float64 vector forms (double lanes) are within a few float64 ulp. The float32 forms (float
// lanes: overloads of the same names, in their own section) compute in float32 with reductions
// and polynomials sized for it: relative error below 2e-7 (measured max 1.4e-7, tanh; relative
// to the smallest normal for subnormal results). Bounds are checked in cpp/tests/kernels_test.cpp.

// ---- Scalar forms (std::) ----

template <class T>
inline T stable_sigmoid(T x) {
  // exp of a non-positive number only, so no overflow for large |x|.
  const T e = std::exp(-std::abs(x));
  return x >= T(0) ? T(1) / (T(1) + e) : e / (T(1) + e);
}

template <class T>
inline T stable_softplus(T x) {
  return std::max(x, T(0)) + std::log1p(std::exp(-std::abs(x)));
}

// Inverse of erf on [-1, 1]: Giles' single-precision approximation ("Approximating the erfinv
// function", GPU Computing Gems, 2011), then Halley steps in double (cubic convergence: the far
// tails start some 1e-4 off). Above |y| = 0.5 the steps use erfc and 1 - |y| (exact there), so
// the tails keep their accuracy.
template <class T>
inline T erfinv_scalar(T y) {
  if (!(std::abs(y) <= T(1))) return std::numeric_limits<T>::quiet_NaN();
  if (std::abs(y) == T(1)) return std::copysign(std::numeric_limits<T>::infinity(), y);
  const double a = std::abs(double(y)), w = -std::log((1.0 - a) * (1.0 + a));
  double x;
  if (w < 5.0) {
    const double t = w - 2.5;
    x = 2.81022636e-08;
    for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                     -0.00417768164, 0.246640727, 1.50140941})
      x = x * t + c;
  } else {
    const double t = std::sqrt(w) - 3.0;
    x = -0.000200214257;
    for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                     0.00943887047, 1.00167406, 2.83297682})
      x = x * t + c;
  }
  x *= a;
  const double slope = 1.1283791670955126;  // 2 / sqrt(pi), erf'(0)
  for (int step = 0; step < 3; ++step) {
    const double err = a > 0.5 ? (1.0 - a) - std::erfc(x) : std::erf(x) - a;
    const double newton = err / (slope * std::exp(-x * x));
    x -= newton / (1 + x * newton);  // Halley: erf'' = -2x erf'
  }
  return static_cast<T>(std::copysign(x, double(y)));
}

// a - b floor(a / b) with the sign of b, as Python's % (and PyTorch's remainder).
template <class T>
inline T python_remainder(T a, T b) {
  T m = std::fmod(a, b);
  if (m != T(0) && ((b < T(0)) != (m < T(0)))) m += b;
  return m;
}

// log(exp(a) + exp(b)) without overflow; equal infinities give themselves (not inf - inf).
template <class T>
inline T stable_logaddexp(T a, T b) {
  if (std::isinf(a) && a == b) return a;
  return std::max(a, b) + std::log1p(std::exp(-std::abs(a - b)));
}

// ---- Vector types and primitives ----

template <class T, int Bytes>
struct VecOf {
  typedef T type __attribute__((vector_size(Bytes)));
};
template <class T, int Bytes>
using vec_t = typename VecOf<T, Bytes>::type;
// Comparison results of a double vector: int64 lanes of all ones or zeros, usable with ?: and &.
template <class V>
using mask_t = decltype(V{} < V{});
template <class V>
using elem_t = std::remove_cvref_t<decltype(V{}[0])>;
template <class V>
constexpr int64_t lanes = sizeof(V) / sizeof(elem_t<V>);
template <class V>
constexpr bool is_f32 = sizeof(elem_t<V>) == 4;

// c - 0 rather than 0 + c, which would turn -0 into +0.
template <class V>
inline V splat(double c) {
  return static_cast<elem_t<V>>(c) - V{};
}
template <class V>
inline V select(mask_t<V> m, V a, V b) {
  return m ? a : b;
}
template <class V>
inline V from_bits(int64_t bits) {
  return (V)(mask_t<V>{} + bits);
}

template <class V>
inline V vabs(V x) {
  return (V)((mask_t<V>)x & ~((mask_t<V>)splat<V>(-0.0)));
}

// Fused multiply-add and sqrt are not expressible on generic vectors (the build is ISO C++, so
// a*b+c is never contracted): map them to the instruction of the vector width. Zero-masked
// AVX-512 forms with a full mask avoid GCC 12's false -Wmaybe-uninitialized on the unmasked ones.
template <class V>
inline V vfma(V a, V b, V c) {
  if constexpr (is_f32<V>) {
    if constexpr (sizeof(V) == 64)
      return _mm512_fmadd_ps(a, b, c);
    else
      return _mm256_fmadd_ps(a, b, c);
  } else if constexpr (sizeof(V) == 64) {
    return _mm512_fmadd_pd(a, b, c);
  } else {
    return _mm256_fmadd_pd(a, b, c);
  }
}
template <class V>
inline V vsqrt(V x) {
  if constexpr (is_f32<V>) {
    if constexpr (sizeof(V) == 64)
      return _mm512_maskz_sqrt_ps(0xffff, x);
    else
      return _mm256_sqrt_ps(x);
  } else if constexpr (sizeof(V) == 64) {
    return _mm512_maskz_sqrt_pd(0xff, x);
  } else {
    return _mm256_sqrt_pd(x);
  }
}
// Products of the low 32 bits of each 64-bit lane (vpmuludq; generic code would use vpmullq).
template <class W>
inline W mul_u32x32(W a, W b) {
  if constexpr (sizeof(W) == 64)
    return (W)_mm512_maskz_mul_epu32(0xff, (__m512i)a, (__m512i)b);
  else
    return (W)_mm256_mul_epu32((__m256i)a, (__m256i)b);
}

// c0 + x * (c1 + x * (c2 + ...)) by Horner's rule with FMAs.
template <class V, class... C>
inline V poly(V x, double c0, C... rest) {
  if constexpr (sizeof...(rest) == 0)
    return splat<V>(c0);
  else
    return vfma(poly(x, rest...), x, splat<V>(c0));
}

constexpr double inv_fact(int k) { return k <= 1 ? 1.0 : inv_fact(k - 1) / k; }

// Integer-valued doubles <-> int64 lanes through the 0x1.8p52 shifter: adding it rounds to an
// integer held in the low mantissa bits (valid for |n| < 2^51, no int64 conversion instruction needed).
constexpr double kShifter = 0x1.8p52;
constexpr int64_t kShifterBits = 0x4338000000000000;
template <class V>
inline V int_to_double(mask_t<V> n) {
  return (V)(n + kShifterBits) - kShifter;
}
// 2^n for n in the normal exponent range of V's lanes, built in the exponent field.
template <class V>
inline V pow2(mask_t<V> n) {
  if constexpr (is_f32<V>)
    return (V)((n + 127) << 23);
  else
    return (V)((n + 1023) << 52);
}

// p 2^n for n up to twice the normal exponent range: 2^n in two normal factors, so a subnormal
// result rounds once, in the last product.
template <class V>
inline V times_pow2(V p, mask_t<V> n) {
  const mask_t<V> n1 = n >> 1;
  return p * pow2<V>(n1) * pow2<V>(n - n1);
}

// x limited to [lo, hi]. max/min return their second operand when either is NaN, so NaN passes.
template <class V>
inline V vclamp(V x, double lo, double hi) {
  const V l = splat<V>(lo), h = splat<V>(hi);
  if constexpr (is_f32<V> && sizeof(V) == 64)
    return _mm512_maskz_min_ps(0xffff, h, _mm512_maskz_max_ps(0xffff, l, x));
  else if constexpr (is_f32<V>)
    return _mm256_min_ps(h, _mm256_max_ps(l, x));
  else if constexpr (sizeof(V) == 64)
    return _mm512_maskz_min_pd(0xff, h, _mm512_maskz_max_pd(0xff, l, x));
  else
    return _mm256_min_pd(h, _mm256_max_pd(l, x));
}

// ---- exp / expm1 (Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, as in fdlibm e_exp.c) ----

constexpr double kInvLn2 = 1.4426950408889634;
constexpr double kLn2Hi = 6.93147180369123816490e-01;  // fdlibm's split: n * kLn2Hi is exact
constexpr double kLn2Lo = 1.90821492927058770002e-10;

// Returns n and sets r with x = n ln2 + r.
template <class V>
  requires(!is_f32<V>)
inline mask_t<V> reduce_ln2(V x, V& r) {
  const V z = vfma(x, splat<V>(kInvLn2), splat<V>(kShifter));
  const V n = z - kShifter;
  r = vfma(n, splat<V>(-kLn2Lo), vfma(n, splat<V>(-kLn2Hi), x));
  return (mask_t<V>)z - kShifterBits;
}

// expm1(r) for |r| <= ln2/2: Taylor series to degree 13 (truncation < 5e-18 relative).
template <class V>
  requires(!is_f32<V>)
inline V expm1_small(V r) {
  const V q = poly(r, inv_fact(2), inv_fact(3), inv_fact(4), inv_fact(5), inv_fact(6), inv_fact(7),
                   inv_fact(8), inv_fact(9), inv_fact(10), inv_fact(11), inv_fact(12), inv_fact(13));
  return vfma(r * r, q, r);
}

template <class V>
  requires(!is_f32<V>)
inline V vexp(V x) {
  // The clamps are beyond the overflow/underflow thresholds and keep 2^n within times_pow2's range.
  V r;
  const mask_t<V> n = reduce_ln2(vclamp(x, -746.0, 710.0), r);
  return times_pow2(expm1_small(r) + 1.0, n);
}

// expm1(x) for x in [-40, 700]: 2^n (1 + p) - 1 = 2^n p + (2^n - 1), with 2^n - 1 exact and
// 2^n normal.
template <class V>
  requires(!is_f32<V>)
inline V expm1_reduced(V x) {
  V r;
  const V t = pow2<V>(reduce_ln2(x, r));
  return vfma(t, expm1_small(r), t - 1.0);
}

// expm1(x) for x <= 0.
template <class V>
  requires(!is_f32<V>)
inline V vexpm1_nonpos(V x) {
  return expm1_reduced(select(x < -40.0, splat<V>(-40.0), x));  // expm1 rounds to -1 below -38
}

template <class V>
  requires(!is_f32<V>)
inline V vexpm1(V x) {
  // Above 700 expm1 is exp (and 2^n may not be normal); -0 keeps its sign.
  const V y = select(x > 700.0, vexp(x), expm1_reduced(vclamp(x, -40.0, 700.0)));
  return select(x == 0.0, x, y);
}

// 2^x = 2^n 2^f with n = round(x) and f = x - n in [-1/2, 1/2] exact: exp(f ln 2) rounds f ln 2
// once (an error below 0.35 ulp of the result).
template <class V>
  requires(!is_f32<V>)
inline V vexp2(V x) {
  const V xc = vclamp(x, -1080.0, 1030.0);  // beyond: 0 or inf
  const V z = xc + kShifter;
  const V f = (xc - (z - kShifter)) * 0.6931471805599453;
  return times_pow2(expm1_small(f) + 1.0, (mask_t<V>)z - kShifterBits);
}

// ---- log / log1p (fdlibm e_log.c: x = 2^k m, m in [sqrt(1/2), sqrt(2)), s = f / (2 + f)) ----

template <class V>
  requires(!is_f32<V>)
inline V vlog(V x) {
  using I = mask_t<V>;
  const I tiny = x < 0x1p-1022;  // subnormals (and non-positive x, handled below) are scaled up
  const V xs = select(tiny, x * 0x1p54, x);
  using U = vec_t<uint64_t, sizeof(V)>;
  const I ix = (I)xs;
  // Integer steps on the bits run unsigned: lanes of x <= 0 or NaN wrap around (their results are
  // replaced below), and signed overflow would be undefined behaviour.
  const I tmp = (I)((U)ix - 0x3fe6a09e667f3bcdULL);  // bits of sqrt(1/2)
  const I k = (tmp >> 52) - (tiny & 54);
  const V f = (V)((U)ix - (U)(tmp & (int64_t(0xfff) << 52))) - 1.0;
  const V hfsq = 0.5 * f * f, s = f / (f + 2.0), z = s * s, w = z * z;
  const V t1 = w * poly(w, 3.999999999940941908e-01, 2.222219843214978396e-01, 1.531383769920937332e-01);
  const V t2 = z * poly(w, 6.666666666666735130e-01, 2.857142874366239149e-01, 1.818357216161805012e-01,
                        1.479819860511658591e-01);
  const V dk = int_to_double<V>(k);
  const V res = vfma(dk, splat<V>(kLn2Hi), f - (hfsq - vfma(s, hfsq + t1 + t2, dk * kLn2Lo)));
  // log(+-0) = -inf, log(x < 0) = NaN, log(+inf) = +inf, NaN stays NaN.
  const V special = select(x == 0.0, splat<V>(-INFINITY), select(x < 0.0, splat<V>(NAN), x));
  return select((x > 0.0) & (x < INFINITY), res, special);
}

template <class V>
  requires(!is_f32<V>)
inline V vlog1p(V x) {
  // Kahan's form log(u) * x / (u - 1), u = 1 + x: the ratio cancels the rounding error of u.
  const V u = x + 1.0;
  const V res = vlog(u) * (x / (u - 1.0));
  return select((u == 1.0) | (x == INFINITY), x, res);
}

// ---- float32 forms (float lanes): the same algorithms sized for float32 ----
// Reductions are exact (Cody-Waite constants with few bits, FMA), so the error is the polynomial's
// and the final roundings': measured bounds are in cpp/tests/kernels_test.cpp.

// Returns n and sets r with x = n ln2 + r, |r| <= ln2/2, exactly: n has at most 8 bits and
// kLn2HiF 9, so n kLn2HiF and x - n kLn2HiF are exact; the FMA with the low part rounds once.
template <class V>
  requires is_f32<V>
inline mask_t<V> reduce_ln2(V x, V& r) {
  constexpr float kShifterF = 0x1.8p23f, kLn2HiF = 0.693359375f, kLn2LoF = -2.12194440e-4f;
  const V z = vfma(x, splat<V>(1.44269504f), splat<V>(kShifterF));
  const V n = z - kShifterF;
  r = vfma(n, splat<V>(-kLn2LoF), vfma(n, splat<V>(-kLn2HiF), x));
  return (mask_t<V>)z - (mask_t<V>)splat<V>(kShifterF);
}

template <class V>
  requires is_f32<V>
inline V vexp(V x) {
  // Beyond the clamps the result is 0 or inf.
  V r;
  const mask_t<V> n = reduce_ln2(vclamp(x, -104.0, 89.0), r);
  // 1 + r + r^2 q with the rounding error of 1 + r recovered exactly (Fast2Sum, 1 >= |r|): one
  // rounding of the sum instead of two.
  const V q = poly(r, inv_fact(2), inv_fact(3), inv_fact(4), inv_fact(5), inv_fact(6), inv_fact(7));
  const V hi = 1.0f + r, lo = (1.0f - hi) + r;
  return times_pow2(hi + vfma(r * r, q, lo), n);
}

// log(2^k (1 + f)) + c for f in [sqrt(1/2) - 1, sqrt(2) - 1) and a small correction c, as
// FreeBSD's e_logf.c (s = f / (2 + f), R(s^2) accurate to 2^-34).
template <class V>
inline V log_core_f32(mask_t<V> k, V f, V c) {
  const V hfsq = 0.5f * f * f, s = f / (f + 2.0f), z = s * s, w = z * z;
  const V t1 = w * poly(w, 0xccce13.0p-25, 0xf89e26.0p-26);
  const V t2 = z * poly(w, 0xaaaaaa.0p-24, 0x91e9ee.0p-25);
  const V dk = __builtin_convertvector(k, V);
  constexpr float kLn2HiF = 6.9313812256e-01f, kLn2LoF = 9.0580006145e-06f;  // kLn2HiF: 16 bits
  return vfma(dk, splat<V>(kLn2HiF), f - (hfsq - vfma(s, hfsq + t1 + t2, vfma(dk, splat<V>(kLn2LoF), c))));
}

// x = 2^k (1 + f) as in the float64 form (subnormals scaled by 2^25 first).
template <class V>
inline mask_t<V> split_exponent_f32(V x, V& f) {
  using I = mask_t<V>;
  using U = vec_t<uint32_t, sizeof(V)>;
  const I tiny = x < 0x1p-126f;
  const V xs = select(tiny, x * 0x1p25f, x);
  const I ix = (I)xs;
  const I tmp = (I)((U)ix - 0x3f3504f3u);  // bits of sqrt(1/2); unsigned: lanes of x <= 0 wrap
  f = (V)((U)ix - (U)(tmp & int32_t(0xff800000u))) - 1.0f;
  return (tmp >> 23) - (tiny & 25);
}

template <class V>
  requires is_f32<V>
inline V vlog(V x) {
  V f;
  const mask_t<V> k = split_exponent_f32(x, f);
  const V res = log_core_f32(k, f, V{});
  const V special = select(x == 0, splat<V>(-INFINITY), select(x < 0, splat<V>(NAN), x));
  return select((x > 0) & (x < INFINITY), res, special);
}

template <class V>
  requires is_f32<V>
inline V vlog1p(V x) {
  // log(u) for u = 1 + x plus the rounding error of u, c = (1 + x - u) / u, as FreeBSD's
  // s_log1pf.c; the numerator is exact: u - 1 is exact for u < 2, u - x for u >= 2 (Sterbenz).
  const V u = x + 1.0f;
  V f;
  const mask_t<V> k = split_exponent_f32(u, f);
  const V c = select(u < 2.0f, x - (u - 1.0f), 1.0f - (u - x)) / u;
  const V res = log_core_f32(k, f, c);
  // log1p(-1) = -inf, x < -1 gives NaN, +inf and NaN pass, |x| < 2^-25 gives x.
  const V special = select(u == 0, splat<V>(-INFINITY), select(u < 0, splat<V>(NAN), x));
  return select((u > 0) & (u < INFINITY) & (u != 1.0f), res, special);
}

template <class V>
  requires is_f32<V>
inline V vtanh(V x) {
  // |x| < 0.625: tanh x = x + x^3 P(x^2), P a least-squares fit (relative error 3e-9); beyond,
  // 1 - 2 / (exp(2|x|) + 1), whose subtraction loses nothing there (the result is above 0.55).
  // Evaluated at |x|, the sign copied last (so tanh(-0) = -0).
  const V ax = vabs(x), x2 = x * x;
  const V small = vfma(ax * x2,
                       poly(x2, -0x1.555554p-2, 0x1.11106ep-3, -0x1.b9f002p-5, 0x1.63992cp-6, -0x1.0c31ecp-7,
                            0x1.19abf0p-9),
                       ax);
  const V large = 1.0f - 2.0f / (vexp(ax + ax) + 1.0f);
  return (V)((mask_t<V>)select(ax < 0.625f, small, large) | ((mask_t<V>)x & (mask_t<V>)splat<V>(-0.0)));
}

// ---- Activations (same formulas and special values as the scalar forms) ----

template <class V>
  requires(!is_f32<V>)
inline V vsigmoid(V x) {
  const V e = vexp(-vabs(x));
  return select(x >= 0, splat<V>(1.0), e) / (e + 1);
}

// num / (1 + e) with num = 1 or e, e = exp(-|x|) in (0, 1]: 1 + e = hi + lo exactly (Fast2Sum)
// and one correction step with the exact residual num - q (hi + lo), so the quotient is rounded
// about once (plain float32 division and sum would add two roundings to exp's error).
template <class V>
  requires is_f32<V>
inline V vsigmoid(V x) {
  const V e = vexp(-vabs(x));
  const V num = select(x >= 0, splat<V>(1.0), e);
  const V hi = 1.0f + e, lo = (1.0f - hi) + e;
  const V inv = 1.0f / hi, q = num * inv;
  return vfma(vfma(-q, hi, num) - q * lo, inv, q);
}

// Shared by both precisions: the float32 exp/log1p make it accurate to the stated bound.
template <class V>
inline V vsoftplus(V x) {
  // max(x, 0) propagating NaN, as std::max(x, 0) does.
  return select(x < 0, V{}, x) + vlog1p(vexp(-vabs(x)));
}

template <class V>
  requires(!is_f32<V>)
inline V vtanh(V x) {
  // tanh|x| = -t / (t + 2) with t = expm1(-2|x|): no overflow and no cancellation near 0.
  const V t = vexpm1_nonpos(-2.0 * vabs(x));
  const V th = -t / (t + 2.0);
  return (V)(((mask_t<V>)th & INT64_MAX) | ((mask_t<V>)x & INT64_MIN));
}

// ---- Philox4x32-10 on 32-bit lanes (one block per lane) and Box-Muller ----

template <class U>
inline void mulhilo32(U a, uint32_t m, U& hi, U& lo) {
  using W = vec_t<uint64_t, sizeof(U)>;
  const W mv = W{} + m;
  const W even = mul_u32x32((W)a, mv), odd = mul_u32x32((W)a >> 32, mv);
  hi = (U)((even >> 32) | (odd & 0xffffffff00000000u));
  lo = (U)((even & 0xffffffffu) | (odd << 32));
}

// Blocks block, block + 1, ... (one per lane) of the stream, as philox4x32 in random.h.
template <class U>
inline void philox_lanes(uint64_t seed, uint64_t block, U (&r)[4]) {
  U iota{};
  for (int i = 0; i < int(sizeof(U) / 4); ++i) iota[i] = uint32_t(i);
  U c0 = iota + uint32_t(block);
  U c1 = (U{} + uint32_t(block >> 32)) - (U)(c0 < iota);  // carry into the high word
  U c2{}, c3{};
  uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    U hi0, lo0, hi1, lo1;
    mulhilo32(c0, kPhiloxM0, hi0, lo0);
    mulhilo32(c2, kPhiloxM1, hi1, lo1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  r[0] = c0, r[1] = c1, r[2] = c2, r[3] = c3;
}

// Uniforms in (0, 1) from word pairs (hi, lo) of 2L lanes, as philox_uniform2: (a + 0.5) 2^-53 with
// a = hi 2^21 + (lo >> 11). Both parts are exact doubles and the FMA rounds once, so the bits
// match the scalar form. out[h] gets lanes [hL, hL + L).
template <class V, class U>
inline void uniforms53(U hi, U lo, V (&out)[2]) {
  using W = vec_t<uint64_t, sizeof(V)>;
  using Half = vec_t<uint32_t, sizeof(V) / 2>;
  const U lo21 = lo >> 11;
  for (int h = 0; h < 2; ++h) {
    Half hh, lh;
    std::memcpy(&hh, reinterpret_cast<const char*>(&hi) + h * sizeof(Half), sizeof(Half));
    std::memcpy(&lh, reinterpret_cast<const char*>(&lo21) + h * sizeof(Half), sizeof(Half));
    // OR-ing a value below 2^52 into the bits of 2^52 gives 2^52 + value.
    const V dh = (V)(__builtin_convertvector(hh, W) | 0x4330000000000000u) - 0x1p52;
    const V dl = (V)(__builtin_convertvector(lh, W) | 0x4330000000000000u) - 0x1p52;
    out[h] = vfma(dh, splat<V>(0x1p-32), (dl + 0.5) * 0x1p-53);
  }
}

// sin and cos of q pi/2 + a for a in [-pi/4, pi/4], where Taylor series to degree 17/16 are
// accurate to < 1e-17.
template <class V>
inline void sincos_quadrant(mask_t<V> q, V a, V& s, V& c) {
  using I = mask_t<V>;
  const V a2 = a * a;
  const V sn = vfma(a * a2,
                    poly(a2, -inv_fact(3), inv_fact(5), -inv_fact(7), inv_fact(9), -inv_fact(11),
                         inv_fact(13), -inv_fact(15), inv_fact(17)),
                    a);
  const V cs = vfma(a2,
                    poly(a2, -inv_fact(2), inv_fact(4), -inv_fact(6), inv_fact(8), -inv_fact(10),
                         inv_fact(12), -inv_fact(14), inv_fact(16)),
                    splat<V>(1.0));
  // Rotation by q quarter turns: odd q swaps sin and cos, then signs flip per quadrant.
  const I odd = (q & 1) != 0;
  s = (V)((I)select(odd, cs, sn) ^ ((q & 2) << 62));
  c = (V)((I)select(odd, sn, cs) ^ (((q + 1) & 2) << 62));
}

// sin and cos of 2 pi u: the quadrant comes from 4u exactly.
template <class V>
inline void vsincos_2pi(V u, V& s, V& c) {
  const V z = vfma(u, splat<V>(4.0), splat<V>(kShifter));
  sincos_quadrant((mask_t<V>)z - kShifterBits, (u - (z - kShifter) * 0.25) * 6.283185307179586, s, c);
}

// Largest |x| that vsincos reduces accurately; beyond it (and for inf, NaN) callers use std::.
constexpr double kSinCosMax = 1e5;

// sin and cos of x, |x| <= kSinCosMax: x = q pi/2 + a by Cody-Waite reduction with pi/2 split in
// three doubles. The first FMA is exact (x - q C1 fits in 53 bits for these q) and q C3 is far
// below the smallest |a| a double of this range can give, so a is within an ulp.
template <class V>
  requires(!is_f32<V>)
inline void vsincos(V x, V& s, V& c) {
  constexpr double kC1 = 0x1.921fb54442d18p+0, kC2 = 0x1.1a62633145c07p-54, kC3 = -0x1.f1976b7ed8fbcp-110;
  const V z = vfma(x, splat<V>(0.6366197723675814), splat<V>(kShifter));
  const V q = z - kShifter;
  const V a = vfma(q, splat<V>(-kC3), vfma(q, splat<V>(-kC2), vfma(q, splat<V>(-kC1), x)));
  sincos_quadrant((mask_t<V>)z - kShifterBits, a, s, c);
  s = select(x == 0.0, x, s);  // sin(-0) = -0 (the series' a + a^3 p rounds it to +0)
}

// Element order of a stream: value j of a pair goes to element 2 block + j. Interleaves x and y
// (one block per lane) into the elements of lanes [h L/2, (h + 1) L/2).
template <class V>
inline V interleave(V x, V y, int h) {
  mask_t<V> m{};
  for (int i = 0; i < lanes<V>; ++i) m[i] = h * lanes<V> / 2 + i / 2 + (i & 1) * lanes<V>;
  return __builtin_shuffle(x, y, m);
}

// Elements [2 block, 2 block + 4L) of a uniform (normal = false) or normal draw, in order.
template <bool normal, class V>
inline void stream_values(uint64_t seed, uint64_t block, V (&out)[4]) {
  using U = vec_t<uint32_t, sizeof(V)>;
  U r[4];
  philox_lanes(seed, block, r);
  V u0[2], u1[2];
  uniforms53(r[0], r[1], u0);
  uniforms53(r[2], r[3], u1);
  for (int h = 0; h < 2; ++h) {
    V x = u0[h], y = u1[h];
    if constexpr (normal) {
      // Box-Muller; u0 is never 0, so the log is finite.
      const V rad = vsqrt(-2.0 * vlog(u0[h]));
      V s, c;
      vsincos_2pi(u1[h], s, c);
      x = rad * c, y = rad * s;
    }
    out[2 * h] = interleave(x, y, 0);
    out[2 * h + 1] = interleave(x, y, 1);
  }
}

// ---- Loads and stores of L elements of T as lanes of V (converted if the types differ); count < L
// touches only count ----

template <class V, class T>
inline V load(const T* p, int64_t count) {
  using S = vec_t<T, lanes<V> * sizeof(T)>;
  S s{};
  if (count == lanes<V>)
    std::memcpy(&s, p, sizeof(S));
  else
    std::memcpy(&s, p, size_t(count) * sizeof(T));
  if constexpr (std::is_same_v<T, elem_t<V>>)
    return s;
  else
    return __builtin_convertvector(s, V);
}

template <class V, class T>
inline void store(T* p, V v, int64_t count) {
  using S = vec_t<T, lanes<V> * sizeof(T)>;
  S s;
  if constexpr (std::is_same_v<T, elem_t<V>>)
    s = v;
  else
    s = __builtin_convertvector(v, S);
  if (count == lanes<V>)
    std::memcpy(p, &s, sizeof(S));
  else
    std::memcpy(p, &s, size_t(count) * sizeof(T));
}

// Calls f(i, count) for i = 0, L, 2L, ... < n with count = min(L, n - i). The full vectors get
// their own loop so that, once f is inlined, their loads and stores are plain vector moves.
template <class V, class F>
inline void for_each_vector(int64_t n, F f) {
  int64_t i = 0;
  for (; i + lanes<V> <= n; i += lanes<V>) f(i, lanes<V>);
  if (i < n) f(i, n - i);
}

// Calls f(i, z) for the n values of a draw (scalar oracle): element i is value i % 2 of block first + i / 2.
template <class Draw, class F>
inline void for_each_draw_scalar(uint64_t seed, uint64_t first, int64_t n, Draw draw, F f) {
  for (int64_t b = 0; b < (n + 1) / 2; ++b) {
    const auto v = draw(seed, first + uint64_t(b));
    f(2 * b, v[0]);
    if (2 * b + 1 < n) f(2 * b + 1, v[1]);
  }
}

// Calls f(i, z, count) for the n elements of a draw starting at block `first`, one vector at a time.
template <bool normal, class V, class F>
inline void for_each_draw_vector(uint64_t seed, uint64_t first, int64_t n, F f) {
  constexpr int64_t kGroup = 4 * lanes<V>;
  for (int64_t g = 0; g < n; g += kGroup) {
    V z[4];
    stream_values<normal>(seed, first + uint64_t(g / 2), z);
    for (int q = 0; q < 4 && g + q * lanes<V> < n; ++q) {
      const int64_t i = g + q * lanes<V>;
      f(i, z[q], std::min<int64_t>(lanes<V>, n - i));
    }
  }
}
