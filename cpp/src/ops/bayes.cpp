// Fused ops of the Bayesian layers: Gaussian KL, reparameterized weight samples, local
// reparameterization.
#include <cmath>

#include "ops/iter.h"
#include "varbayes/bayes.h"

namespace varbayes {

namespace {

using grads = std::vector<Tensor>;

double softplus_d(double r) { return std::max(r, 0.0) + std::log1p(std::exp(-std::abs(r))); }
double sigmoid_d(double r) {
  const double e = std::exp(-std::abs(r));
  return r >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}
// log(softplus(r)) without underflow: softplus(r) ~ exp(r) for very negative r.
double log_softplus_d(double r) { return r < -30.0 ? r : std::log(softplus_d(r)); }
// sigmoid(r) / softplus(r), which tends to 1 as r -> -inf (both ~ exp(r)).
double sigmoid_over_softplus_d(double r) { return r < -30.0 ? 1.0 : sigmoid_d(r) / softplus_d(r); }

// Prior tensors as flat arrays of either one value (stride 0) or one per posterior element.
Tensor flat_prior(const Tensor& p, const Shape& shape, const char* what) {
  if (broadcast_shapes(shape, p.shape(), "kl_normal") != shape)
    fail<ValueError>("kl_normal: prior ", what, " of shape ", shape_str(p.shape()),
                     " does not broadcast to the posterior shape ", shape_str(shape));
  return p.numel() == 1 ? detail::materialize(p) : detail::materialize(detail::raw_expand(p, shape));
}

}  // namespace

double inverse_softplus(double y) {
  if (!(y > 0)) fail<ValueError>("inverse_softplus: argument must be positive, got ", y);
  return y > 30.0 ? y : std::log(std::expm1(y));
}

Tensor kl_normal(const Tensor& mq0, const Tensor& rq0, const Tensor& mp0, const Tensor& sp0) {
  if (mq0.shape() != rq0.shape())
    fail<ValueError>("kl_normal: posterior mean shape ", shape_str(mq0.shape()), " and rho shape ",
                     shape_str(rq0.shape()), " differ");
  DType dt = detail::promote(detail::promote(mq0.dtype(), rq0.dtype()), detail::promote(mp0.dtype(), sp0.dtype()));
  const Tensor mq = to_dtype(mq0, dt), rq = to_dtype(rq0, dt), mp = to_dtype(mp0, dt), sp = to_dtype(sp0, dt);
  const Shape shape = mq.shape();
  const int64_t n = mq.numel();
  Tensor out = empty({}, dt);
  dispatch_dtype(dt, [&](auto tag) {
    using T = decltype(tag);
    const Tensor a = detail::materialize(mq), r = detail::materialize(rq);
    const Tensor m = flat_prior(mp, shape, "mean"), s = flat_prior(sp, shape, "std");
    const T *pa = a.data<T>(), *pr = r.data<T>(), *pm = m.data<T>(), *ps = s.data<T>();
    const int64_t im = m.numel() == 1 ? 0 : 1, is = s.numel() == 1 ? 0 : 1;
    double total = 0;
#pragma omp parallel for reduction(+ : total) schedule(static) if (n >= detail::kParallelGrain)
    for (int64_t i = 0; i < n; ++i) {
      const double sq = softplus_d(pr[i]), s_p = ps[i * is], d = pa[i] - pm[i * im];
      total += std::log(s_p) - log_softplus_d(pr[i]) + (sq * sq + d * d) / (2.0 * s_p * s_p) - 0.5;
    }
    *out.data<T>() = static_cast<T>(total);
  });
  record("kl_normal", out, {mq, rq, mp, sp},
         [mq = Saved(mq), rq = Saved(rq), mp = Saved(mp), sp = Saved(sp)](const Tensor& g, const NeedsGrad& need) {
           const Tensor a = detail::materialize(mq.get()), r = detail::materialize(rq.get());
           const Shape shape = a.shape();
           const Tensor m = flat_prior(mp.get(), shape, "mean"), s = flat_prior(sp.get(), shape, "std");
           Tensor ga = empty(shape, a.dtype()), gr = empty(shape, a.dtype()), gm = empty(shape, a.dtype()),
                  gs = empty(shape, a.dtype());
           dispatch_dtype(a.dtype(), [&](auto tag) {
             using T = decltype(tag);
             const double gv = g.item();
             const T *pa = a.data<T>(), *pr = r.data<T>(), *pm = m.data<T>(), *ps = s.data<T>();
             T *oa = ga.data<T>(), *orr = gr.data<T>(), *om = gm.data<T>(), *os = gs.data<T>();
             const int64_t im = m.numel() == 1 ? 0 : 1, is = s.numel() == 1 ? 0 : 1;
             const int64_t n = a.numel();
#pragma omp parallel for schedule(static) if (n >= detail::kParallelGrain)
             for (int64_t i = 0; i < n; ++i) {
               const double sq = softplus_d(pr[i]), s_p = ps[i * is], d = pa[i] - pm[i * im];
               const double inv_var = 1.0 / (s_p * s_p);
               oa[i] = static_cast<T>(gv * d * inv_var);
               om[i] = static_cast<T>(-gv * d * inv_var);
               // d/drho of [-log s_q + s_q^2 / (2 s_p^2)] with s_q = softplus(rho).
               orr[i] = static_cast<T>(gv * (sq * sigmoid_d(pr[i]) * inv_var - sigmoid_over_softplus_d(pr[i])));
               os[i] = static_cast<T>(gv * (1.0 / s_p - (sq * sq + d * d) * inv_var / s_p));
             }
           });
           return grads{need[0] ? ga : Tensor(), need[1] ? gr : Tensor(),
                        need[2] ? sum_to(gm, mp.get().shape()) : Tensor(),
                        need[3] ? sum_to(gs, sp.get().shape()) : Tensor()};
         });
  return out;
}

namespace {
// Visits (i, eps_i) for the n standard normals of the counter range starting at `first`.
template <class F>
void for_each_normal(uint64_t seed, uint64_t first, int64_t n, F f) {
  const int64_t blocks = (n + 1) / 2;
#pragma omp parallel for schedule(static) if (n >= detail::kParallelGrain)
  for (int64_t b = 0; b < blocks; ++b) {
    const auto z = philox_normal2(seed, first + static_cast<uint64_t>(b));
    f(2 * b, z[0]);
    if (2 * b + 1 < n) f(2 * b + 1, z[1]);
  }
}
}  // namespace

Tensor sample_gaussian(const Tensor& mu0, const Tensor& rho0, Generator* gen) {
  if (mu0.shape() != rho0.shape())
    fail<ValueError>("sample_gaussian: mu shape ", shape_str(mu0.shape()), " and rho shape ",
                     shape_str(rho0.shape()), " differ");
  const DType dt = detail::promote(mu0.dtype(), rho0.dtype());
  const Tensor mu = to_dtype(mu0, dt), rho = to_dtype(rho0, dt);
  Generator& g = gen ? *gen : default_generator();
  const int64_t n = mu.numel();
  const uint64_t seed = g.seed(), first = g.reserve(static_cast<uint64_t>((n + 1) / 2));
  Tensor out = empty(mu.shape(), dt);
  dispatch_dtype(dt, [&](auto tag) {
    using T = decltype(tag);
    const Tensor m = detail::materialize(mu), r = detail::materialize(rho);
    const T *pm = m.data<T>(), *pr = r.data<T>();
    T* po = out.data<T>();
    for_each_normal(seed, first, n, [&](int64_t i, double eps) {
      po[i] = static_cast<T>(pm[i] + softplus_d(pr[i]) * eps);
    });
  });
  record("sample_gaussian", out, {mu, rho}, [rho = Saved(rho), seed, first](const Tensor& grad, const NeedsGrad& need) {
    if (!need[1]) return grads{grad, Tensor()};
    const Tensor r = detail::materialize(rho.get()), gc = detail::materialize(grad);
    Tensor gr = empty(r.shape(), r.dtype());
    dispatch_dtype(r.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T *pr = r.data<T>(), *pg = gc.data<T>();
      T* po = gr.data<T>();
      // The same counters as the forward pass give the same eps.
      for_each_normal(seed, first, r.numel(), [&](int64_t i, double eps) {
        po[i] = static_cast<T>(pg[i] * eps * sigmoid_d(pr[i]));
      });
    });
    return grads{need[0] ? grad : Tensor(), gr};
  });
  return out;
}

Tensor linear_lrt(const Tensor& x, const Tensor& w_mu, const Tensor& w_rho, const Tensor& b_mu, const Tensor& b_rho,
                  Generator* gen) {
  if (w_mu.shape() != w_rho.shape())
    fail<ValueError>("linear_lrt: weight mu shape ", shape_str(w_mu.shape()), " and rho shape ",
                     shape_str(w_rho.shape()), " differ");
  const Tensor mean = linear(x, w_mu, b_mu);
  const Tensor w_sigma = softplus(w_rho);
  Tensor b_var;
  if (b_rho.defined()) {
    const Tensor b_sigma = softplus(b_rho);
    b_var = b_sigma * b_sigma;
  }
  const Tensor var = linear(x * x, w_sigma * w_sigma, b_var);
  const Tensor nu = randn(mean.shape(), mean.dtype(), gen);
  // A floor of 1e-12 on the variance keeps the gradient of sqrt finite for all-zero inputs.
  return mean + sqrt(var + 1e-12) * nu;
}

}  // namespace varbayes
