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

// Transcendental functions in vector registers (vmath.h); false for the ops the compiler
// vectorizes by itself from the loops below.
template <class T, int B>
bool unary_vector(Unary op, const T* in, T* out, int64_t n) {
  using V = vec_t<double, B>;
  auto run = [&](auto f) {
    for_each_vector<V>(n, [&](int64_t i, int64_t count) { store(out + i, f(load<V>(in + i, count)), count); });
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

template <class T>
void unary_impl(Unary op, const T* in, T* out, int64_t n) {
  if constexpr (kVectorBytes > 0) {
    if (unary_vector<T, kVectorBytes>(op, in, out, n)) return;
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
