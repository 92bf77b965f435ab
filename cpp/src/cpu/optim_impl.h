// Fused optimizer updates, written once and compiled per ISA (see elementwise_impl.h): one pass
// over parameter, gradient and state. Included only from optim_<isa>.cpp inside its namespace.

template <class T>
void adam_impl(const AdamArgs<T>& a) {
  const T b1 = static_cast<T>(1.0 - a.beta1), b2 = static_cast<T>(a.beta2), b2c = static_cast<T>(1.0 - a.beta2);
  const T decay = static_cast<T>(1.0 - a.lr * a.weight_decay), wd = static_cast<T>(a.weight_decay);
  const T eps = static_cast<T>(a.eps), bc2 = static_cast<T>(a.bias_correction2_sqrt);
  const T step = static_cast<T>(a.step_size);
  T *w = a.w, *m = a.m, *v = a.v, *vmax = a.vmax;
  const T* g = a.g;
  const bool use_wd = a.weight_decay != 0, decoupled = a.decoupled;
#pragma omp parallel for schedule(static) if (a.n > 65536)
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
#pragma omp parallel for schedule(static) if (a.n > 65536)
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

const OptimKernels<float> optim_f32{adam_impl<float>, sgd_impl<float>};
const OptimKernels<double> optim_f64{adam_impl<double>, sgd_impl<double>};
