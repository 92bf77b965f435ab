// Sampling and Bayesian-layer kernels (random fills, reparameterized weights, Gaussian KL), written
// once and compiled per ISA level like elementwise_impl.h. Width B = 0 is the scalar oracle, built
// on philox_normal2 and std::; other widths draw 16 (AVX-512) or 8 (AVX2) Philox blocks per call,
// keep eps in registers and fuse the whole formula into one pass (vmath.h).
// Included only from bayes_<isa>.cpp, inside namespace varbayes::cpu::<isa>, after it defines
// kVectorBytes.

#include "cpu/vmath.h"

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

// Below this rho, softplus(rho) = exp(rho) to working precision: log softplus = rho, sigmoid/softplus = 1.
constexpr double kRhoTiny = -30.0;

// Scalar forms of the KL terms (double precision throughout).
// log(softplus(r)) without underflow: softplus(r) ~ exp(r) for very negative r.
inline double log_softplus_d(double r) { return r < kRhoTiny ? r : std::log(stable_softplus(r)); }
// sigmoid(r) / softplus(r), which tends to 1 as r -> -inf (both ~ exp(r)).
inline double sigmoid_over_softplus_d(double r) {
  return r < kRhoTiny ? 1.0 : stable_sigmoid(r) / stable_softplus(r);
}

// The posterior passes visit the n weights with eps (the normal draw) when Draw, else with eps
// unused: the draw costs as much as the rest of the pass, so it is skipped when not needed.
template <bool Draw, class F>
inline void for_each_posterior_scalar(uint64_t seed, uint64_t first, int64_t n, F f) {
  if constexpr (Draw)
    for_each_draw_scalar(seed, first, n, philox_normal2, f);
  else
    for (int64_t i = 0; i < n; ++i) f(i, 0.0);
}

template <bool Draw, class T>
double posterior_fwd_scalar(const PosteriorArgs<T>& a, T* w, T* var, bool kl) {
  double total = 0;
  for_each_posterior_scalar<Draw>(a.seed, a.first, a.n, [&](int64_t i, double eps) {
    const double r = a.rho[i], sq = stable_softplus(r);
    if constexpr (Draw) w[i] = T(a.mu[i] + sq * eps);
    if (var) var[i] = T(sq * sq);
    if (kl) {
      const double s = a.ps[i * a.ss], d = double(a.mu[i]) - a.pm[i * a.sm];
      total += std::log(s) - log_softplus_d(r) + (sq * sq + d * d) / (2.0 * s * s) - 0.5;
    }
  });
  return total;
}

template <bool Draw, class T>
PriorGradSums posterior_bwd_scalar(const PosteriorArgs<T>& a, const PosteriorGrads<T>& g) {
  PriorGradSums sums;
  for_each_posterior_scalar<Draw>(a.seed, a.first, a.n, [&](int64_t i, double eps) {
    const double r = a.rho[i], sq = stable_softplus(r), sig = stable_sigmoid(r);
    double gm = 0, gr = 0;
    if (g.g_w) gm = g.g_w[i];
    if constexpr (Draw) gr = g.g_w[i] * eps * sig;
    if (g.g_var) gr += g.g_var[i] * 2.0 * sq * sig;
    if (g.kl) {
      const double s = a.ps[i * a.ss], d = double(a.mu[i]) - a.pm[i * a.sm];
      const double inv_var = 1.0 / (s * s);
      gm += g.g_kl * d * inv_var;
      // d/drho of [-log s_q + s_q^2 / (2 s_p^2)] with s_q = softplus(rho).
      gr += g.g_kl * (sq * sig * inv_var - sigmoid_over_softplus_d(r));
      if (g.prior) {
        const double gpm = -g.g_kl * d * inv_var, gps = g.g_kl * (1.0 / s - (sq * sq + d * d) * inv_var / s);
        if (a.sm)
          g.g_pm[i] = T(gpm);
        else
          sums.mean += gpm;
        if (a.ss)
          g.g_ps[i] = T(gps);
        else
          sums.std += gps;
      }
    }
    if (g.g_mu) g.g_mu[i] = T(gm);
    g.g_rho[i] = T(gr);
  });
  return sums;
}

// Vector forms of the same passes. They compute in the lanes of T (float32 math for float32
// weights, vmath.h); the normal draw is formed in float64 lanes and rounded, so eps is the value
// fill_normal gives. Sums (KL, scalar priors' gradients) accumulate in float64.
template <class V>
using wide_t = vec_t<double, sizeof(V)>;

// eps for lanes [0, L) of a compute vector from the float64 draw (L = 2 float64 vectors for float32).
template <class V, class D>
inline V narrow_draw(const D* z) {
  if constexpr (!is_f32<V>) {
    return z[0];
  } else {
    using H = vec_t<float, sizeof(V) / 2>;
    const H lo = __builtin_convertvector(z[0], H), hi = __builtin_convertvector(z[1], H);
    V out;
    std::memcpy(&out, &lo, sizeof(H));
    std::memcpy(reinterpret_cast<char*>(&out) + sizeof(H), &hi, sizeof(H));
    return out;
  }
}

// Adds lanes [0, c) of x to a float64 accumulator (lanes past the end were loaded as zeros and may
// hold NaN or inf).
template <class V>
inline void accumulate(wide_t<V>& acc, V x, int64_t c) {
  V lane{};
  for (int j = 0; j < lanes<V>; ++j) lane[j] = elem_t<V>(j);
  x = select(lane < splat<V>(double(c)), x, V{});
  if constexpr (!is_f32<V>) {
    acc += x;
  } else {
    using H = vec_t<float, sizeof(V) / 2>;
    H lo, hi;
    std::memcpy(&lo, &x, sizeof(H));
    std::memcpy(&hi, reinterpret_cast<const char*>(&x) + sizeof(H), sizeof(H));
    using D2 = vec_t<double, sizeof(V)>;
    acc += __builtin_convertvector(lo, D2) + __builtin_convertvector(hi, D2);
  }
}

template <class D>
inline double lane_sum(D x) {
  double total = 0;
  for (int j = 0; j < lanes<D>; ++j) total += x[j];
  return total;
}

template <bool Draw, class V, class F>
inline void for_each_posterior(uint64_t seed, uint64_t first, int64_t n, F f) {
  if constexpr (Draw) {
    // One Philox call gives 4 float64 vectors of the draw (random.h element order).
    using D = wide_t<V>;
    constexpr int64_t kGroup = 4 * lanes<D>, kPer = lanes<V> / lanes<D>;
    for (int64_t g = 0; g < n; g += kGroup) {
      D z[4];
      stream_values<true>(seed, first + uint64_t(g / 2), z);
      for (int q = 0; q < 4 / kPer && g + q * lanes<V> < n; ++q) {
        const int64_t i = g + q * lanes<V>;
        f(i, narrow_draw<V>(z + q * kPer), std::min<int64_t>(lanes<V>, n - i));
      }
    }
  } else {
    for_each_vector<V>(n, [&](int64_t i, int64_t c) { f(i, V{}, c); });
  }
}

// Prior values broadcast for stride 0.
template <class V, class T>
inline V load_prior(const T* p, int64_t stride, int64_t i, int64_t c) {
  return stride ? load<V>(p + i, c) : splat<V>(double(*p));
}

// softplus(r) = max(r, 0) + log1p(e) and sigmoid(r) from e = exp(-|r|) (one exp for both).
template <class V>
inline V exp_neg_abs(V r) {
  return vexp(select(r < 0, r, -r));
}
template <class V>
inline V softplus_from(V r, V e) {
  return select(r < 0, V{}, r) + vlog1p(e);
}
template <class V>
inline V sigmoid_from(V r, V e) {
  return select(r >= 0, splat<V>(1.0), e) / (e + 1);
}

template <bool Draw, class V, class T>
double posterior_fwd_vector(const PosteriorArgs<T>& a, T* w, T* var, bool kl) {
  wide_t<V> acc{};
  // A scalar prior's log(s_p) and 1 / (2 s_p^2), once (the loop then has no division for them).
  const double s0 = kl ? double(*a.ps) : 1.0;
  const V log_s0 = vlog(splat<V>(s0)), half_inv_var0 = splat<V>(0.5 / (s0 * s0));
  const V tiny = splat<V>(kRhoTiny), half = splat<V>(0.5);
  for_each_posterior<Draw, V>(a.seed, a.first, a.n, [&](int64_t i, V eps, int64_t c) {
    const V r = load<V>(a.rho + i, c), sq = softplus_from(r, exp_neg_abs(r));
    if constexpr (Draw) store(w + i, vfma(sq, eps, load<V>(a.mu + i, c)), c);
    if (var) store(var + i, sq * sq, c);
    if (kl) {
      const V s = load_prior<V>(a.ps, a.ss, i, c), d = load<V>(a.mu + i, c) - load_prior<V>(a.pm, a.sm, i, c);
      const V log_sq = select(r < tiny, r, vlog(sq));
      const V half_inv_var = a.ss ? half / (s * s) : half_inv_var0;
      accumulate(acc, (a.ss ? vlog(s) : log_s0) - log_sq + (sq * sq + d * d) * half_inv_var - half, c);
    }
  });
  return lane_sum(acc);
}

template <bool Draw, class V, class T>
PriorGradSums posterior_bwd_vector(const PosteriorArgs<T>& a, const PosteriorGrads<T>& g) {
  wide_t<V> sum_m{}, sum_s{};
  const V g_kl = splat<V>(g.g_kl), tiny = splat<V>(kRhoTiny), one = splat<V>(1.0);
  const V inv_s0 = splat<V>(g.kl ? 1.0 / double(*a.ps) : 1.0);  // a scalar prior's 1 / s_p, once
  for_each_posterior<Draw, V>(a.seed, a.first, a.n, [&](int64_t i, V eps, int64_t c) {
    const V r = load<V>(a.rho + i, c);
    const V e = exp_neg_abs(r), sig = sigmoid_from(r, e);
    // sigma itself (a log1p) only for the terms that use it: a sample's gradient needs sigmoid alone.
    const V sq = g.g_var || g.kl ? softplus_from(r, e) : V{};
    V gm{}, gr{};
    if (g.g_w) gm = load<V>(g.g_w + i, c);
    if constexpr (Draw) gr = gm * eps * sig;
    if (g.g_var) gr += load<V>(g.g_var + i, c) * 2 * sq * sig;
    if (g.kl) {
      const V s = load_prior<V>(a.ps, a.ss, i, c), d = load<V>(a.mu + i, c) - load_prior<V>(a.pm, a.sm, i, c);
      const V inv_s = a.ss ? one / s : inv_s0, inv_var = inv_s * inv_s, gd = g_kl * d * inv_var;
      gm += gd;
      gr += g_kl * (sq * sig * inv_var - select(r < tiny, one, sig / sq));
      if (g.prior) {
        const V gps = g_kl * (inv_s - (sq * sq + d * d) * inv_var * inv_s);
        if (a.sm)
          store(g.g_pm + i, -gd, c);
        else
          accumulate(sum_m, -gd, c);
        if (a.ss)
          store(g.g_ps + i, gps, c);
        else
          accumulate(sum_s, gps, c);
      }
    }
    if (g.g_mu) store(g.g_mu + i, gm, c);
    store(g.g_rho + i, gr, c);
  });
  return {lane_sum(sum_m), lane_sum(sum_s)};
}

template <class T, int B>
double posterior_fwd(const PosteriorArgs<T>& a, T* w, T* var, bool kl) {
  if constexpr (B == 0)
    return w ? posterior_fwd_scalar<true>(a, w, var, kl) : posterior_fwd_scalar<false>(a, w, var, kl);
  else
    return w ? posterior_fwd_vector<true, vec_t<T, B>>(a, w, var, kl)
             : posterior_fwd_vector<false, vec_t<T, B>>(a, w, var, kl);
}

template <class T, int B>
PriorGradSums posterior_bwd(const PosteriorArgs<T>& a, const PosteriorGrads<T>& g) {
  const bool draw = g.g_w && g.sample;
  if constexpr (B == 0)
    return draw ? posterior_bwd_scalar<true>(a, g) : posterior_bwd_scalar<false>(a, g);
  else
    return draw ? posterior_bwd_vector<true, vec_t<T, B>>(a, g)
                : posterior_bwd_vector<false, vec_t<T, B>>(a, g);
}

template <class T>
constexpr BayesKernels<T> make_bayes_kernels() {
  constexpr int B = kVectorBytes;
  return {fill_normal<T, B>, fill_uniform<T, B>, posterior_fwd<T, B>, posterior_bwd<T, B>};
}
const BayesKernels<float> bayes_f32 = make_bayes_kernels<float>();
const BayesKernels<double> bayes_f64 = make_bayes_kernels<double>();
