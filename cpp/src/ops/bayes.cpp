// Fused ops of the Bayesian layers: Gaussian KL, reparameterized weight samples, local
// reparameterization.
#include "varbayes/bayes.h"

#include <cmath>
#include <vector>

#include "cpu/kernels.h"
#include "ops/iter.h"

namespace varbayes {

namespace {

using grads = std::vector<Tensor>;

// Prior tensors as flat arrays of either one value (stride 0) or one per posterior element.
Tensor flat_prior(const Tensor& p, const Shape& shape, const char* what) {
  if (broadcast_shapes(shape, p.shape(), "kl_normal") != shape)
    fail<ValueError>("kl_normal: prior ", what, " of shape ", shape_str(p.shape()),
                     " does not broadcast to the posterior shape ", shape_str(shape));
  return p.numel() == 1 ? detail::materialize(p) : detail::materialize(detail::raw_expand(p, shape));
}

template <class T>
cpu::KlArgs<T> kl_args(const Tensor& mu, const Tensor& rho, const Tensor& pm, const Tensor& ps) {
  return {mu.data<T>(), rho.data<T>(),           pm.data<T>(),
          ps.data<T>(), pm.numel() == 1 ? 0 : 1, ps.numel() == 1 ? 0 : 1,
          mu.numel()};
}
// The elements [b, e) of a KL problem.
template <class T>
cpu::KlArgs<T> kl_chunk(cpu::KlArgs<T> a, int64_t b, int64_t e) {
  a.mu += b, a.rho += b, a.pm += b * a.sm, a.ps += b * a.ss, a.n = e - b;
  return a;
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
  DType dt =
      detail::promote(detail::promote(mq0.dtype(), rq0.dtype()), detail::promote(mp0.dtype(), sp0.dtype()));
  const Tensor mq = to_dtype(mq0, dt), rq = to_dtype(rq0, dt), mp = to_dtype(mp0, dt), sp = to_dtype(sp0, dt);
  const Shape shape = mq.shape();
  const int64_t n = mq.numel();
  Tensor out = empty({}, dt);
  dispatch_dtype(dt, [&](auto tag) {
    using T = decltype(tag);
    const Tensor a = detail::materialize(mq), r = detail::materialize(rq);
    const Tensor m = flat_prior(mp, shape, "mean"), s = flat_prior(sp, shape, "std");
    const auto args = kl_args<T>(a, r, m, s);
    // One partial sum per fixed chunk, added in order: the result does not depend on the thread count.
    std::vector<double> partial(static_cast<size_t>(n / detail::kParallelGrain + 1), 0.0);
    const auto kl = cpu::bayes_kernels<T>(cpu::kernels()).kl;
    detail::parallel_chunks(n, [&](int64_t b, int64_t e) {
      partial[static_cast<size_t>(b / detail::kParallelGrain)] = kl(kl_chunk(args, b, e));
    });
    double total = 0;
    for (double p : partial) total += p;
    *out.data<T>() = static_cast<T>(total);
  });
  record("kl_normal", out, {mq, rq, mp, sp},
         [mq = Saved(mq), rq = Saved(rq), mp = Saved(mp), sp = Saved(sp)](const Tensor& g,
                                                                          const NeedsGrad& need) {
           const Tensor a = detail::materialize(mq.get()), r = detail::materialize(rq.get());
           const Shape shape = a.shape();
           const Tensor m = flat_prior(mp.get(), shape, "mean"), s = flat_prior(sp.get(), shape, "std");
           Tensor ga = empty(shape, a.dtype()), gr = empty(shape, a.dtype()), gm = empty(shape, a.dtype()),
                  gs = empty(shape, a.dtype());
           dispatch_dtype(a.dtype(), [&](auto tag) {
             using T = decltype(tag);
             const auto args = kl_args<T>(a, r, m, s);
             const auto kl_bwd = cpu::bayes_kernels<T>(cpu::kernels()).kl_bwd;
             const double gv = g.item();
             T *oa = ga.data<T>(), *orr = gr.data<T>(), *om = gm.data<T>(), *os = gs.data<T>();
             detail::parallel_chunks(a.numel(), [&](int64_t b, int64_t e) {
               kl_bwd(kl_chunk(args, b, e), gv, oa + b, orr + b, om + b, os + b);
             });
           });
           return grads{need[0] ? ga : Tensor(), need[1] ? gr : Tensor(),
                        need[2] ? sum_to(gm, mp.get().shape()) : Tensor(),
                        need[3] ? sum_to(gs, sp.get().shape()) : Tensor()};
         });
  return out;
}

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
  // Chunks start at even elements, i.e. at block first + b / 2 of the same draw (random.h).
  dispatch_dtype(dt, [&](auto tag) {
    using T = decltype(tag);
    const Tensor m = detail::materialize(mu), r = detail::materialize(rho);
    const T *pm = m.data<T>(), *pr = r.data<T>();
    T* po = out.data<T>();
    const auto fn = cpu::bayes_kernels<T>(cpu::kernels()).sample;
    detail::parallel_chunks(
        n, [&](int64_t b, int64_t e) { fn(seed, first + uint64_t(b / 2), pm + b, pr + b, po + b, e - b); });
  });
  record("sample_gaussian", out, {mu, rho},
         [rho = Saved(rho), seed, first](const Tensor& grad, const NeedsGrad& need) {
           if (!need[1]) return grads{grad, Tensor()};
           const Tensor r = detail::materialize(rho.get()), gc = detail::materialize(grad);
           Tensor gr = empty(r.shape(), r.dtype());
           dispatch_dtype(r.dtype(), [&](auto tag) {
             using T = decltype(tag);
             const T *pr = r.data<T>(), *pg = gc.data<T>();
             T* po = gr.data<T>();
             // The same counters as the forward pass give the same eps.
             const auto fn = cpu::bayes_kernels<T>(cpu::kernels()).sample_bwd;
             detail::parallel_chunks(r.numel(), [&](int64_t b, int64_t e) {
               fn(seed, first + uint64_t(b / 2), pr + b, pg + b, po + b, e - b);
             });
           });
           return grads{need[0] ? grad : Tensor(), gr};
         });
  return out;
}

Tensor linear_lrt(const Tensor& x, const Tensor& w_mu, const Tensor& w_rho, const Tensor& b_mu,
                  const Tensor& b_rho, Generator* gen) {
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
