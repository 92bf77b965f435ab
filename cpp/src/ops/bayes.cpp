// Fused ops of the Bayesian layers: Gaussian KL, reparameterized weight samples, local
// reparameterization. Each forms its per-weight values in one pass over mu and rho and their
// gradients in one pass (cpu::PosteriorArgs); the *_kl forms add the KL to the same passes.
#include "varbayes/bayes.h"

#include <cmath>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "cpu/kernels.h"
#include "ops/iter.h"

namespace varbayes {

namespace {

using grads = std::vector<Tensor>;

// Prior tensors as flat arrays of either one value (stride 0) or one per posterior element.
Tensor flat_prior(const Tensor& p, const Shape& shape, const char* op, const char* what) {
  if (broadcast_shapes(shape, p.shape(), op) != shape)
    fail<ValueError>(op, ": prior ", what, " of shape ", shape_str(p.shape()),
                     " does not broadcast to the posterior shape ", shape_str(shape));
  return p.numel() == 1 ? detail::materialize(p) : detail::materialize(detail::raw_expand(p, shape));
}

// The inputs of a posterior op (its graph inputs): mu and rho, and the prior (undefined for an op
// without KL), converted to one dtype.
struct Posterior {
  Tensor mu, rho, pm, ps;
  const char* op;
  DType dtype() const { return mu.dtype(); }
};
Posterior make_posterior(const Tensor& mu, const Tensor& rho, const Tensor& pm, const Tensor& ps,
                         const char* op) {
  if (mu.shape() != rho.shape())
    fail<ValueError>(op, ": posterior mean shape ", shape_str(mu.shape()), " and rho shape ",
                     shape_str(rho.shape()), " differ");
  const DType dt = detail::floating_dtype(op, {mu, rho, pm, ps});
  return {to_dtype(mu, dt), to_dtype(rho, dt), pm.defined() ? to_dtype(pm, dt) : Tensor(),
          pm.defined() ? to_dtype(ps, dt) : Tensor(), op};
}

// The contiguous arrays of a Posterior the kernels read (cpu::PosteriorArgs), priors flattened.
struct PosteriorArrays {
  Tensor mu, rho, pm, ps;
  PosteriorArrays(const Tensor& mu0, const Tensor& rho0, const Tensor& pm0, const Tensor& ps0, const char* op)
      : mu(detail::materialize(mu0)), rho(detail::materialize(rho0)) {
    if (pm0.defined())
      pm = flat_prior(pm0, mu.shape(), op, "mean"), ps = flat_prior(ps0, mu.shape(), op, "std");
  }
  template <class T>
  cpu::PosteriorArgs<T> args(uint64_t seed, uint64_t first) const {
    const bool prior = pm.defined();
    return {mu.data<T>(),
            rho.data<T>(),
            prior ? pm.data<T>() : nullptr,
            prior ? ps.data<T>() : nullptr,
            prior && pm.numel() > 1 ? 1 : 0,
            prior && ps.numel() > 1 ? 1 : 0,
            mu.numel(),
            seed,
            first};
  }
};

// The elements [b, e) of a posterior pass; chunks start at even elements, i.e. at block first + b / 2
// of the same draw (random.h).
template <class T>
cpu::PosteriorArgs<T> chunk(cpu::PosteriorArgs<T> a, int64_t b, int64_t e) {
  a.mu += b, a.rho += b, a.n = e - b, a.first += uint64_t(b / 2);
  if (a.pm) a.pm += b * a.sm, a.ps += b * a.ss;
  return a;
}

// One partial result per fixed chunk, combined in order: the result does not depend on the thread count.
template <class R, class F>
std::vector<R> chunk_results(int64_t n, F f) {
  std::vector<R> partial(static_cast<size_t>(n / detail::kParallelGrain + 1));
  detail::parallel_chunks(
      n, [&](int64_t b, int64_t e) { partial[static_cast<size_t>(b / detail::kParallelGrain)] = f(b, e); });
  return partial;
}

// The forward pass: the sample into w and the variance into var (unless null) and the returned KL (when kl).
template <class T>
double posterior_forward(const cpu::PosteriorArgs<T>& a, T* w, T* var, bool kl) {
  const auto fwd = cpu::bayes_kernels<T>(cpu::kernels()).posterior_fwd;
  double total = 0;
  for (double p : chunk_results<double>(a.n, [&](int64_t b, int64_t e) {
         return fwd(chunk(a, b, e), w ? w + b : nullptr, var ? var + b : nullptr, kl);
       }))
    total += p;
  return total;
}

// What reaches a posterior from above in backward (cpu::PosteriorGrads): the gradient of the
// sample w or of a direct use of mu (g_w), of sigma^2 (g_var), and of the KL (g_kl).
struct Upstream {
  Tensor g_w;
  bool sample = false;
  Tensor g_var;
  bool kl = false;
  double g_kl = 0;
};

// Gradients of (mu, rho, prior mean, prior std) in one pass over the weights.
grads posterior_vjp(const Posterior& p, uint64_t seed, uint64_t first, const Upstream& up,
                    const NeedsGrad& need) {
  const PosteriorArrays arr(p.mu, p.rho, up.kl ? p.pm : Tensor(), up.kl ? p.ps : Tensor(), p.op);
  const Shape& shape = arr.mu.shape();
  const DType dt = p.dtype();
  // A sample's gradient passes to mu unchanged unless other terms are added to it.
  const bool pass_mu = up.g_w.defined() && !up.kl;
  Tensor g_mu = pass_mu ? up.g_w : empty(shape, dt), g_rho = empty(shape, dt), g_pm, g_ps;
  const bool prior = up.kl && need.size() > 2 && (need[2] || need[3]);
  if (prior) g_pm = empty(arr.pm.shape(), dt), g_ps = empty(arr.ps.shape(), dt);
  const Tensor g_w = up.g_w.defined() ? detail::materialize(up.g_w) : Tensor();
  const Tensor g_var = up.g_var.defined() ? detail::materialize(up.g_var) : Tensor();
  cpu::PriorGradSums sums;
  dispatch_dtype(dt, [&](auto tag) {
    using T = decltype(tag);
    const auto a = arr.args<T>(seed, first);
    const auto bwd = cpu::bayes_kernels<T>(cpu::kernels()).posterior_bwd;
    auto at = [](const Tensor& t, int64_t b) -> T* { return t.defined() ? t.data<T>() + b : nullptr; };
    for (const auto& part : chunk_results<cpu::PriorGradSums>(a.n, [&](int64_t b, int64_t e) {
           const cpu::PosteriorGrads<T> g{at(g_w, b),
                                          at(g_var, b),
                                          up.sample,
                                          up.kl,
                                          prior,
                                          up.g_kl,
                                          pass_mu ? nullptr : at(g_mu, b),
                                          at(g_rho, b),
                                          prior && a.sm ? at(g_pm, b) : nullptr,
                                          prior && a.ss ? at(g_ps, b) : nullptr};
           return bwd(chunk(a, b, e), g);
         })) {
      sums.mean += part.mean;
      sums.std += part.std;
    }
  });
  grads out{need[0] ? g_mu : Tensor(), need[1] ? g_rho : Tensor()};
  if (need.size() > 2) {
    // Per-element prior gradients are summed to the prior's own shape; a scalar prior's are summed in the
    // pass.
    auto prior_grad = [&](bool needed, const Tensor& per_element, double sum, const Tensor& prior_in) {
      if (!needed || !prior) return Tensor();
      return per_element.numel() > 1 ? sum_to(per_element, prior_in.shape())
                                     : full(prior_in.shape(), sum, dt);
    };
    out.push_back(prior_grad(need[2], g_pm, sums.mean, p.pm));
    out.push_back(prior_grad(need[3], g_ps, sums.std, p.ps));
  }
  return out;
}

// Records the node of a posterior op: inputs (mu, rho[, prior mean, prior std]).
void record_posterior(const char* name, Tensor& out, const Posterior& p,
                      std::function<grads(const Posterior&, const Tensor&, const NeedsGrad&)> vjp) {
  std::vector<Tensor> inputs{p.mu, p.rho};
  if (p.pm.defined()) inputs.push_back(p.pm), inputs.push_back(p.ps);
  struct SavedPosterior {
    Saved mu, rho, pm, ps;
    const char* op;
  };
  record(name, out, inputs,
         [s = SavedPosterior{Saved(p.mu), Saved(p.rho), Saved(p.pm), Saved(p.ps), p.op},
          vjp = std::move(vjp)](const Tensor& g, const NeedsGrad& need) {
           return vjp(Posterior{s.mu.get(), s.rho.get(), s.pm.get(), s.ps.get(), s.op}, g, need);
         });
}

// What a posterior op forms per weight besides the KL: nothing, the sample mu + sigma eps, or the
// variance sigma^2 (local reparameterization).
enum class PerWeight { none, sample, variance };

// Runs the forward pass of a posterior op: the per-weight output and the KL (when p has a prior).
struct ForwardResult {
  Tensor out, kl;
  uint64_t seed = 0, first = 0;
};
ForwardResult posterior_op_forward(const Posterior& p, PerWeight what, Generator* gen) {
  ForwardResult r;
  const PosteriorArrays arr(p.mu, p.rho, p.pm, p.ps, p.op);
  const int64_t n = arr.mu.numel();
  if (what == PerWeight::sample) {
    const auto blocks = (gen ? *gen : current_generator()).reserve(static_cast<uint64_t>((n + 1) / 2));
    r.seed = blocks.seed, r.first = blocks.first;
  }
  if (what != PerWeight::none) r.out = empty(arr.mu.shape(), p.dtype());
  const bool kl = p.pm.defined();
  if (kl) r.kl = empty({}, p.dtype());
  dispatch_dtype(p.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* out = r.out.defined() ? r.out.data<T>() : nullptr;
    const double total =
        posterior_forward(arr.args<T>(r.seed, r.first), what == PerWeight::sample ? out : nullptr,
                          what == PerWeight::variance ? out : nullptr, kl);
    if (kl) *r.kl.data<T>() = static_cast<T>(total);
  });
  return r;
}

// The upstream gradient of a per-weight output as a term of Upstream.
Upstream per_weight_upstream(PerWeight what, const Tensor& g) {
  Upstream up;
  if (what == PerWeight::sample) up.g_w = g, up.sample = true;
  if (what == PerWeight::variance) up.g_var = g;
  return up;
}

// A per-weight output and the KL of one posterior from one forward pass, as two differentiable
// tensors. Their nodes both feed one node (through a 0-d link tensor), which the engine runs after
// both: it forms all gradients of mu, rho and the prior in one pass. The per-weight output's
// gradient travels beside the graph (it does not fit the 0-d link); the KL's is the link's.
PosteriorSample posterior_with_kl(const Posterior& p, PerWeight what, Generator* gen) {
  ForwardResult r = posterior_op_forward(p, what, gen);
  if (!needs_graph({&p.mu, &p.rho, &p.pm, &p.ps})) return {r.out, r.kl};
  struct Pending {
    Tensor g_out;
    bool kl = false;
  };
  auto pending = std::make_shared<Pending>();
  Tensor link = zeros({}, p.dtype());
  record_posterior(p.op, link, p,
                   [pending, what, seed = r.seed, first = r.first](const Posterior& p, const Tensor& g,
                                                                   const NeedsGrad& need) {
                     Upstream up = per_weight_upstream(what, std::exchange(pending->g_out, Tensor()));
                     up.kl = std::exchange(pending->kl, false), up.g_kl = g.item();
                     return posterior_vjp(p, seed, first, up, need);
                   });
  record(what == PerWeight::sample ? "sample_gaussian" : "softplus_square", r.out, {link},
         [pending](const Tensor& g, const NeedsGrad&) {
           pending->g_out = g;
           return grads{zeros({}, g.dtype())};
         });
  record("kl_normal", r.kl, {link}, [pending](const Tensor& g, const NeedsGrad&) {
    pending->kl = true;
    return grads{g};
  });
  return {r.out, r.kl};
}

// A per-weight output alone (no prior, no KL), differentiable in mu and rho.
Tensor posterior_output(const Posterior& p, PerWeight what, Generator* gen) {
  ForwardResult r = posterior_op_forward(p, what, gen);
  record_posterior(
      what == PerWeight::sample ? "sample_gaussian" : "softplus_square", r.out, p,
      [what, seed = r.seed, first = r.first](const Posterior& p, const Tensor& g, const NeedsGrad& need) {
        // The same counters as the forward pass give the same eps.
        return posterior_vjp(p, seed, first, per_weight_upstream(what, g), need);
      });
  return r.out;
}

// Fills t with the normal draw that starts at block `first` of `seed`: the values randn gave when
// it drew those counters (random.h element order; chunks start at even elements).
void fill_normal_at(Tensor& t, uint64_t seed, uint64_t first) {
  dispatch_dtype(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const auto fill = cpu::bayes_kernels<T>(cpu::kernels()).fill_normal;
    T* p = t.data<T>();
    detail::parallel_chunks(t.numel(), [&](int64_t b, int64_t e) {
      fill(seed, first + uint64_t(b / 2), p + b, e - b, 0.0, 1.0);
    });
  });
}

// Calls f(i) for i in [0, n), in parallel chunks when n is large.
template <class F>
void for_each_index(int64_t n, F f) {
  detail::parallel_chunks(n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) f(i);
  });
}

// Local reparameterization as one node around the two GEMMs: with s = sqrt((x*x) w_var^T + b_var
// + 1e-12), out = x w_mu^T + b_mu + s * nu, nu ~ N(0, 1) per example and unit. nu is drawn from
// the counters in the epilogue and drawn again in backward (not stored); only s is kept. Backward:
// g_var = g nu / (2 s), then g_x = g w_mu + 2 x (g_var w_var), g_w_mu = g^T x, g_w_var = g_var^T (x*x).
// x is 2-D; b_mu and b_var may be undefined.
Tensor lrt_node(const Tensor& x0, const Tensor& w_mu0, const Tensor& w_var0, const Tensor& b_mu0,
                const Tensor& b_var0, Generator* gen) {
  const DType dt = detail::floating_dtype("linear_lrt", {x0, w_mu0, w_var0, b_mu0, b_var0});
  auto cast = [dt](const Tensor& t) { return t.defined() ? to_dtype(t, dt) : Tensor(); };
  const Tensor x = cast(x0), w_mu = cast(w_mu0), w_var = cast(w_var0), b_mu = cast(b_mu0),
               b_var = cast(b_var0);
  Tensor mean, var, x2;  // x2 = x * x is kept for backward's grad of w_var
  {
    NoGradGuard no_grad;
    mean = linear(x, w_mu, b_mu);
    x2 = x * x;
    var = linear(x2, w_var, b_var);
  }
  const auto [seed, first] = (gen ? *gen : current_generator()).reserve(static_cast<uint64_t>((mean.numel() + 1) / 2));
  Tensor out = empty(mean.shape(), dt), sd = empty(mean.shape(), dt);
  fill_normal_at(out, seed, first);  // nu, replaced in place by the output
  dispatch_dtype(dt, [&](auto tag) {
    using T = decltype(tag);
    const T *pm = mean.data<T>(), *pv = var.data<T>();
    T *po = out.data<T>(), *ps = sd.data<T>();
    for_each_index(out.numel(), [&](int64_t i) {
      ps[i] = std::sqrt(pv[i] + T(1e-12));  // the floor keeps the gradient finite for all-zero inputs
      po[i] = pm[i] + ps[i] * po[i];
    });
  });
  record("linear_lrt", out, {x, w_mu, w_var, b_mu, b_var},
         [x = Saved(x), w_mu = Saved(w_mu), w_var = Saved(w_var), x2, sd, seed, first](const Tensor& g0,
                                                                                   const NeedsGrad& need) {
           const Tensor g = detail::materialize(g0), xs = x.get();
           Tensor g_var = empty(g.shape(), g.dtype());
           fill_normal_at(g_var, seed, first);  // nu again, replaced in place by g nu / (2 s)
           dispatch_dtype(g.dtype(), [&](auto tag) {
             using T = decltype(tag);
             const T *pg = g.data<T>(), *ps = sd.data<T>();
             T* pv = g_var.data<T>();
             for_each_index(g.numel(), [&](int64_t i) { pv[i] = pg[i] * pv[i] * T(0.5) / ps[i]; });
           });
           grads out(5);
           if (need[0]) out[0] = matmul(g, w_mu.get()) + 2.0 * xs * matmul(g_var, w_var.get());
           if (need[1]) out[1] = matmul(transpose(g, 0, 1), xs);
           if (need[2]) out[2] = matmul(transpose(g_var, 0, 1), x2);
           if (need[3]) out[3] = sum(g, {0});
           if (need[4]) out[4] = sum(g_var, {0});
           return out;
         });
  return out;
}

// Local reparameterization from the weight means and variances (b_rho: the bias's posterior).
Tensor lrt_output(const Tensor& x, const Tensor& w_mu, const Tensor& w_var, const Tensor& b_mu,
                  const Tensor& b_rho, Generator* gen) {
  if (w_mu.dim() != 2)
    fail<ValueError>("linear_lrt: weight must be 2-D (out, in), got shape ", shape_str(w_mu.shape()));
  if (x.dim() == 0 || x.size(-1) != w_mu.size(1))
    fail<ValueError>("linear_lrt: input of shape ", shape_str(x.shape()), " does not match weight of shape ",
                     shape_str(w_mu.shape()), " (expected last dimension ", w_mu.size(1), ")");
  for (const Tensor* b : {&b_mu, &b_rho})
    if (b->defined() && (b->dim() != 1 || b->size(0) != w_mu.size(0)))
      fail<ValueError>("linear_lrt: bias of shape ", shape_str(b->shape()),
                       " does not match weight of shape ", shape_str(w_mu.shape()));
  Tensor b_var;
  if (b_rho.defined()) {
    const Tensor b_sigma = softplus(b_rho);
    b_var = b_sigma * b_sigma;
  }
  if (x.dim() == 2) return lrt_node(x, w_mu, w_var, b_mu, b_var, gen);
  Shape out_shape = x.shape();
  out_shape.back() = w_mu.size(0);
  return reshape(lrt_node(reshape(x, {-1, x.size(-1)}), w_mu, w_var, b_mu, b_var, gen), out_shape);
}

}  // namespace

double inverse_softplus(double y) {
  if (!(y > 0)) fail<ValueError>("inverse_softplus: argument must be positive, got ", y);
  return y > 30.0 ? y : std::log(std::expm1(y));
}

Tensor kl_normal(const Tensor& mu_q, const Tensor& rho_q, const Tensor& mu_p, const Tensor& std_p) {
  const Posterior p = make_posterior(mu_q, rho_q, mu_p, std_p, "kl_normal");
  ForwardResult r = posterior_op_forward(p, PerWeight::none, nullptr);
  record_posterior("kl_normal", r.kl, p, [](const Posterior& p, const Tensor& g, const NeedsGrad& need) {
    Upstream up;
    up.kl = true, up.g_kl = g.item();
    return posterior_vjp(p, 0, 0, up, need);
  });
  return r.kl;
}

Tensor sample_gaussian(const Tensor& mu, const Tensor& rho, Generator* gen) {
  return posterior_output(make_posterior(mu, rho, Tensor(), Tensor(), "sample_gaussian"), PerWeight::sample,
                          gen);
}

PosteriorSample sample_gaussian_kl(const Tensor& mu, const Tensor& rho, const Tensor& prior_mean,
                                   const Tensor& prior_std, Generator* gen) {
  return posterior_with_kl(make_posterior(mu, rho, prior_mean, prior_std, "sample_gaussian_kl"),
                           PerWeight::sample, gen);
}

Tensor linear_lrt(const Tensor& x, const Tensor& w_mu, const Tensor& w_rho, const Tensor& b_mu,
                  const Tensor& b_rho, Generator* gen) {
  const Posterior p = make_posterior(w_mu, w_rho, Tensor(), Tensor(), "linear_lrt");
  return lrt_output(x, p.mu, posterior_output(p, PerWeight::variance, nullptr), b_mu, b_rho, gen);
}

PosteriorSample linear_lrt_kl(const Tensor& x, const Tensor& w_mu, const Tensor& w_rho, const Tensor& b_mu,
                              const Tensor& b_rho, const Tensor& prior_mean, const Tensor& prior_std,
                              Generator* gen) {
  const Posterior p = make_posterior(w_mu, w_rho, prior_mean, prior_std, "linear_lrt_kl");
  const PosteriorSample v = posterior_with_kl(p, PerWeight::variance, nullptr);
  return {lrt_output(x, p.mu, v.sample, b_mu, b_rho, gen), v.kl};
}

}  // namespace varbayes
