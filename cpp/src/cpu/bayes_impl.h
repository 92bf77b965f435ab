// Sampling and Bayesian-layer kernels (random fills, reparameterized weights, Gaussian KL), written
// once and compiled per ISA level like elementwise_impl.h. Width B = 0 is the scalar oracle, built
// on philox_normal2 and std::; other widths draw 16 (AVX-512) or 8 (AVX2) Philox blocks per call,
// keep eps in registers and fuse the whole formula into one pass (vmath.h).
// Included only from bayes_<isa>.cpp, inside namespace varbayes::cpu::<isa>, after it defines
// kVectorBytes.

#include "cpu/vmath.h"

// Calls f(i, z) for the n values of a draw (scalar oracle): element i is value i % 2 of block first + i / 2.
template <class Draw, class F>
inline void for_each_draw_scalar(uint64_t seed, uint64_t first, int64_t n, Draw draw, F f) {
  for (int64_t b = 0; b < (n + 1) / 2; ++b) {
    const auto v = draw(seed, first + uint64_t(b));
    f(2 * b, v[0]);
    if (2 * b + 1 < n) f(2 * b + 1, v[1]);
  }
}

template <class T, int B>
void fill_normal(uint64_t seed, uint64_t first, T* out, int64_t n, double mean, double std) {
  if constexpr (B == 0) {
    for_each_draw_scalar(seed, first, n, philox_normal2,
                         [&](int64_t i, double z) { out[i] = T(mean + std * z); });
  } else {
    using V = vec_t<double, B>;
    for_each_draw_vector<true, V>(seed, first, n,
                                  [&](int64_t i, V z, int64_t c) { store(out + i, mean + std * z, c); });
  }
}

template <class T, int B>
void fill_uniform(uint64_t seed, uint64_t first, T* out, int64_t n, double low, double high) {
  // Rounding to T could reach the excluded bound `high`: such values become the T just below it.
  const T top = T(high), below = std::nextafter(top, T(-INFINITY));
  if constexpr (B == 0) {
    for_each_draw_scalar(seed, first, n, philox_uniform2, [&](int64_t i, double u) {
      const T x = T(low + (high - low) * u);
      out[i] = x >= top ? below : x;
    });
  } else {
    using V = vec_t<double, B>;
    using S = vec_t<T, lanes<V> * sizeof(T)>;
    for_each_draw_vector<false, V>(seed, first, n, [&](int64_t i, V u, int64_t c) {
      const V x = __builtin_convertvector(__builtin_convertvector(low + (high - low) * u, S), V);
      store(out + i, select(x >= double(top), splat<V>(below), x), c);
    });
  }
}

// Scalar forms of the KL terms (double precision throughout).
// log(softplus(r)) without underflow: softplus(r) ~ exp(r) for very negative r.
inline double log_softplus_d(double r) { return r < -30.0 ? r : std::log(stable_softplus(r)); }
// sigmoid(r) / softplus(r), which tends to 1 as r -> -inf (both ~ exp(r)).
inline double sigmoid_over_softplus_d(double r) {
  return r < -30.0 ? 1.0 : stable_sigmoid(r) / stable_softplus(r);
}

template <class T, int B>
void sample(uint64_t seed, uint64_t first, const T* mu, const T* rho, T* w, int64_t n) {
  if constexpr (B == 0) {
    for_each_draw_scalar(seed, first, n, philox_normal2, [&](int64_t i, double eps) {
      w[i] = T(mu[i] + stable_softplus(double(rho[i])) * eps);
    });
  } else {
    using V = vec_t<double, B>;
    for_each_draw_vector<true, V>(seed, first, n, [&](int64_t i, V eps, int64_t c) {
      store(w + i, load<V>(mu + i, c) + vsoftplus(load<V>(rho + i, c)) * eps, c);
    });
  }
}

template <class T, int B>
void sample_bwd(uint64_t seed, uint64_t first, const T* rho, const T* g, T* g_rho, int64_t n) {
  if constexpr (B == 0) {
    for_each_draw_scalar(seed, first, n, philox_normal2, [&](int64_t i, double eps) {
      g_rho[i] = T(g[i] * eps * stable_sigmoid(double(rho[i])));
    });
  } else {
    using V = vec_t<double, B>;
    for_each_draw_vector<true, V>(seed, first, n, [&](int64_t i, V eps, int64_t c) {
      store(g_rho + i, load<V>(g + i, c) * eps * vsigmoid(load<V>(rho + i, c)), c);
    });
  }
}

// Vector KL terms: softplus and sigmoid of rho share one exp; prior values broadcast for stride 0.
template <class V, class T>
inline V load_prior(const T* p, int64_t stride, int64_t i, int64_t c) {
  return stride ? load<V>(p + i, c) : splat<V>(double(*p));
}

template <class V>
inline void softplus_sigmoid(V r, V& sp, V& sig) {
  const V e = vexp(-vabs(r));
  sp = select(r < 0.0, V{}, r) + vlog1p(e);
  sig = select(r >= 0.0, splat<V>(1.0), e) / (e + 1.0);
}

template <class T, int B>
double kl(const KlArgs<T>& a) {
  if constexpr (B == 0) {
    double total = 0;
    for (int64_t i = 0; i < a.n; ++i) {
      const double r = a.rho[i], sq = stable_softplus(r), s = a.ps[i * a.ss],
                   d = double(a.mu[i]) - a.pm[i * a.sm];
      total += std::log(s) - log_softplus_d(r) + (sq * sq + d * d) / (2.0 * s * s) - 0.5;
    }
    return total;
  } else {
    using V = vec_t<double, B>;
    V acc{}, lane{};
    for (int j = 0; j < lanes<V>; ++j) lane[j] = j;
    const V log_s0 = vlog(splat<V>(double(*a.ps)));  // the whole log(s_p) for a scalar prior
    for_each_vector<V>(a.n, [&](int64_t i, int64_t c) {
      const V r = load<V>(a.rho + i, c), s = load_prior<V>(a.ps, a.ss, i, c);
      const V d = load<V>(a.mu + i, c) - load_prior<V>(a.pm, a.sm, i, c);
      const V sq = vsoftplus(r);
      const V log_sq = select(r < -30.0, r, vlog(sq));
      const V term = (a.ss ? vlog(s) : log_s0) - log_sq + (sq * sq + d * d) / (2.0 * s * s) - 0.5;
      acc += select(lane < double(c), term, V{});  // lanes past the end were loaded as zeros
    });
    double total = 0;
    for (int j = 0; j < lanes<V>; ++j) total += acc[j];
    return total;
  }
}

template <class T, int B>
void kl_bwd(const KlArgs<T>& a, double g, T* g_mu, T* g_rho, T* g_pm, T* g_ps) {
  if constexpr (B == 0) {
    for (int64_t i = 0; i < a.n; ++i) {
      const double r = a.rho[i], sq = stable_softplus(r), s = a.ps[i * a.ss],
                   d = double(a.mu[i]) - a.pm[i * a.sm];
      const double inv_var = 1.0 / (s * s);
      g_mu[i] = T(g * d * inv_var);
      g_pm[i] = T(-g * d * inv_var);
      // d/drho of [-log s_q + s_q^2 / (2 s_p^2)] with s_q = softplus(rho).
      g_rho[i] = T(g * (sq * stable_sigmoid(r) * inv_var - sigmoid_over_softplus_d(r)));
      g_ps[i] = T(g * (1.0 / s - (sq * sq + d * d) * inv_var / s));
    }
  } else {
    using V = vec_t<double, B>;
    for_each_vector<V>(a.n, [&](int64_t i, int64_t c) {
      const V r = load<V>(a.rho + i, c), s = load_prior<V>(a.ps, a.ss, i, c);
      const V d = load<V>(a.mu + i, c) - load_prior<V>(a.pm, a.sm, i, c);
      V sq, sig;
      softplus_sigmoid(r, sq, sig);
      const V inv_var = 1.0 / (s * s), gd = g * d * inv_var;
      store(g_mu + i, gd, c);
      store(g_pm + i, -gd, c);
      store(g_rho + i, g * (sq * sig * inv_var - select(r < -30.0, splat<V>(1.0), sig / sq)), c);
      store(g_ps + i, g * (1.0 / s - (sq * sq + d * d) * inv_var / s), c);
    });
  }
}

template <class T>
constexpr BayesKernels<T> make_bayes_kernels() {
  constexpr int B = kVectorBytes;
  return {fill_normal<T, B>, fill_uniform<T, B>, sample<T, B>, sample_bwd<T, B>, kl<T, B>, kl_bwd<T, B>};
}
const BayesKernels<float> bayes_f32 = make_bayes_kernels<float>();
const BayesKernels<double> bayes_f64 = make_bayes_kernels<double>();
