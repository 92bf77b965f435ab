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
    T gi = a.maximize ? -g[i] : g[i];
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
    T d = a.maximize ? -g[i] : g[i];
    if (use_wd) d += wd * w[i];
    if (buf) {
      buf[i] = first ? d : mom * buf[i] + damp * d;
      d = nesterov ? d + mom * buf[i] : buf[i];
    }
    w[i] -= lr * d;
  }
}

// torch.lerp's two-sided formula (exact at weight 1), which the moving averages below use.
template <class T>
inline T lerp_to(T from, T to, T weight) {
  return std::abs(weight) < T(0.5) ? from + weight * (to - from) : to - (to - from) * (T(1) - weight);
}

// Element i of the gradient the optimizers below step along (see UpdateArgs).
template <class T>
inline T update_grad(const UpdateArgs<T>& u, int64_t i, bool l2) {
  const T g = u.maximize ? -u.g[i] : u.g[i];
  return l2 && u.weight_decay != 0 ? g + static_cast<T>(u.weight_decay) * u.w[i] : g;
}

template <class T>
void rmsprop_impl(const RmspropArgs<T>& a) {
  const T alpha = static_cast<T>(a.alpha), alpha_c = static_cast<T>(1.0 - a.alpha), eps = static_cast<T>(a.eps);
  const T mom = static_cast<T>(a.momentum), neg_lr = static_cast<T>(-a.u.lr);
  T *w = a.u.w, *v = a.square_avg, *gavg = a.grad_avg, *buf = a.momentum_buffer;
#pragma omp parallel for schedule(static) if (a.u.n > 65536)
  for (int64_t i = 0; i < a.u.n; ++i) {
    const T g = update_grad(a.u, i, true);
    v[i] = v[i] * alpha + alpha_c * g * g;
    T avg;
    if (gavg) {
      gavg[i] = lerp_to(gavg[i], g, alpha_c);
      avg = std::sqrt(v[i] - gavg[i] * gavg[i]);
    } else {
      avg = std::sqrt(v[i]);
    }
    avg += eps;
    if (buf) {
      buf[i] = buf[i] * mom + g / avg;
      w[i] += neg_lr * buf[i];
    } else {
      w[i] += neg_lr * (g / avg);
    }
  }
}

template <class T>
void adagrad_impl(const AdagradArgs<T>& a) {
  const T eps = static_cast<T>(a.eps), neg_lr = static_cast<T>(-a.u.lr);
  T *w = a.u.w, *sum = a.sum;
#pragma omp parallel for schedule(static) if (a.u.n > 65536)
  for (int64_t i = 0; i < a.u.n; ++i) {
    const T g = update_grad(a.u, i, true);
    sum[i] += g * g;
    w[i] += neg_lr * (g / (std::sqrt(sum[i]) + eps));
  }
}

template <class T>
void adadelta_impl(const AdadeltaArgs<T>& a) {
  const T rho = static_cast<T>(a.rho), rho_c = static_cast<T>(1.0 - a.rho), eps = static_cast<T>(a.eps);
  const T neg_lr = static_cast<T>(-a.u.lr);
  T *w = a.u.w, *v = a.square_avg, *acc = a.acc_delta;
#pragma omp parallel for schedule(static) if (a.u.n > 65536)
  for (int64_t i = 0; i < a.u.n; ++i) {
    const T g = update_grad(a.u, i, true);
    v[i] = v[i] * rho + rho_c * g * g;
    const T delta = std::sqrt(acc[i] + eps) / std::sqrt(v[i] + eps) * g;
    acc[i] = acc[i] * rho + rho_c * delta * delta;
    w[i] += neg_lr * delta;
  }
}

template <class T>
void adamax_impl(const AdamaxArgs<T>& a) {
  const T b1c = static_cast<T>(1.0 - a.beta1), b2 = static_cast<T>(a.beta2), eps = static_cast<T>(a.eps);
  const T neg_step = static_cast<T>(-a.step_size);
  T *w = a.u.w, *m = a.exp_avg, *u = a.exp_inf;
#pragma omp parallel for schedule(static) if (a.u.n > 65536)
  for (int64_t i = 0; i < a.u.n; ++i) {
    const T g = update_grad(a.u, i, true);
    m[i] = lerp_to(m[i], g, b1c);
    u[i] = std::max(u[i] * b2, std::abs(g) + eps);
    w[i] += neg_step * (m[i] / u[i]);
  }
}

// The start of NAdam's and RAdam's step on element i: the weight decay (of the weights when
// decoupled, else of the gradient), then Adam's moments m, v; returns the gradient.
template <class T>
struct AdamMoments {
  T b1c, b2, b2c, decay;
  bool decay_weights, l2;
  AdamMoments(const UpdateArgs<T>& u, double beta1, double beta2, bool decoupled)
      : b1c(static_cast<T>(1.0 - beta1)),
        b2(static_cast<T>(beta2)),
        b2c(static_cast<T>(1.0 - beta2)),
        decay(static_cast<T>(1.0 - u.lr * u.weight_decay)),
        decay_weights(decoupled && u.weight_decay != 0),
        l2(!decoupled) {}
  T operator()(const UpdateArgs<T>& u, int64_t i, T* m, T* v) const {
    if (decay_weights) u.w[i] *= decay;
    const T g = update_grad(u, i, l2);
    m[i] = lerp_to(m[i], g, b1c);
    v[i] = v[i] * b2 + b2c * g * g;
    return g;
  }
};

template <class T>
void nadam_impl(const NadamArgs<T>& a) {
  const AdamMoments<T> moments(a.u, a.beta1, a.beta2, a.decoupled);
  const T eps = static_cast<T>(a.eps), bc2 = static_cast<T>(a.bias_correction2);
  const T grad_scale = static_cast<T>(a.grad_scale), avg_scale = static_cast<T>(a.avg_scale);
  T *w = a.u.w, *m = a.exp_avg, *v = a.exp_avg_sq;
#pragma omp parallel for schedule(static) if (a.u.n > 65536)
  for (int64_t i = 0; i < a.u.n; ++i) {
    const T g = moments(a.u, i, m, v);
    const T denom = std::sqrt(v[i] / bc2) + eps;
    w[i] += grad_scale * (g / denom);
    w[i] += avg_scale * (m[i] / denom);
  }
}

template <class T>
void radam_impl(const RadamArgs<T>& a) {
  const AdamMoments<T> moments(a.u, a.beta1, a.beta2, a.decoupled);
  const T eps = static_cast<T>(a.eps), bc1 = static_cast<T>(a.bias_correction1), lr = static_cast<T>(a.u.lr);
  const T bc2_sqrt = static_cast<T>(a.bias_correction2_sqrt), rect = static_cast<T>(a.rect);
  const bool rectified = a.rect != 0;
  T *w = a.u.w, *m = a.exp_avg, *v = a.exp_avg_sq;
#pragma omp parallel for schedule(static) if (a.u.n > 65536)
  for (int64_t i = 0; i < a.u.n; ++i) {
    moments(a.u, i, m, v);
    T step = m[i] / bc1 * lr;
    // torch computes the adaptive lr as reciprocal(sqrt(v) + eps) * sqrt(1 - beta2^t).
    if (rectified) step = step * (T(1) / (std::sqrt(v[i]) + eps) * bc2_sqrt) * rect;
    w[i] -= step;
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

template <class T>
constexpr OptimKernels<T> optim_table{adam_impl<T>,     sgd_impl<T>,      sgld_impl<T, kVectorBytes>,
                                      rmsprop_impl<T>,  adagrad_impl<T>,  adadelta_impl<T>,
                                      adamax_impl<T>,   nadam_impl<T>,    radam_impl<T>};
const OptimKernels<float> optim_f32 = optim_table<float>;
const OptimKernels<double> optim_f64 = optim_table<double>;
