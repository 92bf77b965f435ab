// Fused optimizer updates, written once and compiled per ISA (see elementwise_impl.h): one pass
// over parameter, gradient and state. Included only from optim_<isa>.cpp inside its namespace,
// after it defines kVectorBytes (0 for the scalar oracle; SGLD draws its noise with vmath.h).

#include "cpu/vmath.h"

template <class T>
void adam_impl(const AdamArgs<T>& a) {
  const T b1 = static_cast<T>(1.0 - a.beta1), b2 = static_cast<T>(a.beta2), b2c = static_cast<T>(1.0 - a.beta2);
  const T decay = static_cast<T>(1.0 - a.lr * a.weight_decay), wd = static_cast<T>(a.weight_decay);
  const T eps = static_cast<T>(a.eps), bc2 = static_cast<T>(a.bias_correction2_sqrt);
  const T step = static_cast<T>(a.step_size);
  T *w = a.w, *m = a.m, *v = a.v, *vmax = a.vmax;
  const T* g = a.g;
  const bool use_wd = a.weight_decay != 0, decoupled = a.decoupled;
#pragma omp parallel for schedule(static) num_threads(get_num_threads()) if (a.n > 65536)
  for (int64_t i = 0; i < a.n; ++i) {
    T gi = g[i];
    if (use_wd) {
      if (decoupled) w[i] *= decay;
      else gi += wd * w[i];
    }
    m[i] += b1 * (gi - m[i]);  // torch's lerp
    v[i] = v[i] * b2 + b2c * gi * gi;
    T denom_v = v[i];
    if (vmax) {
      vmax[i] = std::max(vmax[i], v[i]);
      denom_v = vmax[i];
    }
    w[i] -= step * m[i] / (std::sqrt(denom_v) / bc2 + eps);
  }
}

template <class T>
void sgd_impl(const SgdArgs<T>& a) {
  const T lr = static_cast<T>(a.lr), mom = static_cast<T>(a.momentum), damp = static_cast<T>(1.0 - a.dampening);
  const T wd = static_cast<T>(a.weight_decay);
  T *w = a.w, *buf = a.buf;
  const T* g = a.g;
  const bool use_wd = a.weight_decay != 0, nesterov = a.nesterov, first = a.first;
#pragma omp parallel for schedule(static) num_threads(get_num_threads()) if (a.n > 65536)
  for (int64_t i = 0; i < a.n; ++i) {
    T d = g[i];
    if (use_wd) d += wd * w[i];
    if (buf) {
      buf[i] = first ? d : mom * buf[i] + damp * d;
      d = nesterov ? d + mom * buf[i] : buf[i];
    }
    w[i] -= lr * d;
  }
}

inline double sqrt_of(double x) { return std::sqrt(x); }
template <class V>
inline V sqrt_of(V x) {
  return vsqrt(x);
}

// One element (X = double) or one vector of float64 lanes of the SGLD step; v is updated in place.
template <class T, class X>
inline X sgld_step(const SgldArgs<T>& a, X w, X g, X& v, X z) {
  const X grad_u = a.n_data * g + (w - a.prior_mean) * a.prior_precision;
  if (!a.v) return w - a.lr * grad_u + a.noise_std * z;
  v = a.first ? g * g : a.alpha * v + (1.0 - a.alpha) * (g * g);
  const X precond = 1.0 / (a.eps + sqrt_of(v));
  return w - a.lr * precond * grad_u + a.noise_std * sqrt_of(precond) * z;
}

template <class T, int B>
void sgld_impl(const SgldArgs<T>& a) {
  if constexpr (B == 0) {
    for_each_draw_scalar(a.seed, a.block, a.n, philox_normal2, [&](int64_t i, double z) {
      double v = a.v ? double(a.v[i]) : 0.0;
      a.w[i] = T(sgld_step(a, double(a.w[i]), double(a.g[i]), v, z));
      if (a.v) a.v[i] = T(v);
    });
  } else {
    using V = vec_t<double, B>;
    for_each_draw_vector<true, V>(a.seed, a.block, a.n, [&](int64_t i, V z, int64_t c) {
      V v = a.v ? load<V>(a.v + i, c) : V{};
      store(a.w + i, sgld_step(a, load<V>(a.w + i, c), load<V>(a.g + i, c), v, z), c);
      if (a.v) store(a.v + i, v, c);
    });
  }
}

const OptimKernels<float> optim_f32{adam_impl<float>, sgd_impl<float>, sgld_impl<float, kVectorBytes>};
const OptimKernels<double> optim_f64{adam_impl<double>, sgd_impl<double>, sgld_impl<double, kVectorBytes>};
