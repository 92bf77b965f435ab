// Neural-network functions: softmax, log_softmax, losses, dropout.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "cpu/kernels.h"
#include "ops/iter.h"
#include "varbayes/ops.h"

namespace varbayes {

namespace {
using grads = std::vector<Tensor>;

Tensor reduce(const Tensor& loss, Reduction r) {
  switch (r) {
    case Reduction::none: return loss;
    case Reduction::sum: return sum(loss);
    case Reduction::mean: break;
  }
  return mean(loss);
}

void check_same_shape(const Tensor& a, const Tensor& b, const char* op, const char* an, const char* bn) {
  if (a.shape() != b.shape())
    fail<ValueError>(op, ": ", an, " shape ", shape_str(a.shape()), " and ", bn, " shape ", shape_str(b.shape()),
                     " differ");
}
}  // namespace

Reduction reduction_from_string(const std::string& s) {
  if (s == "mean") return Reduction::mean;
  if (s == "sum") return Reduction::sum;
  if (s == "none") return Reduction::none;
  fail<ValueError>("reduction must be 'mean', 'sum' or 'none', got '", s, "'");
}

namespace {

// The fused kernel for the common case (last dimension of a contiguous tensor), else ops.
Tensor softmax_forward(const Tensor& x, int64_t dim, bool log) {
  if (dim == x.dim() - 1 && x.is_contiguous() && x.numel() > 0) {
    Tensor y = empty(x.shape(), x.dtype());
    const int64_t n = x.shape()[dim];
    dispatch_dtype(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const auto fn = cpu::reduce_kernels<T>(cpu::kernels()).softmax;
      const T* in = x.data<T>();
      T* out = y.data<T>();
      detail::parallel_rows(x.numel() / n, n, [&](int64_t r0, int64_t r1) { fn(in + r0 * n, out + r0 * n, r1 - r0, n, log); });
    });
    return y;
  }
  NoGradGuard no_grad;
  if (log) return x - logsumexp(x, {dim}, true);
  const Tensor e = exp(x - max(x, {dim}, true));
  return e / sum(e, {dim}, true);
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) {
  detail::floating_dtype("softmax", {x});
  dim = wrap_dim(dim, x.dim(), "softmax");
  Tensor y = softmax_forward(x.detach(), dim, false);
  record("softmax", y, {x}, [y = Saved(y), dim](const Tensor& g, const NeedsGrad&) {
    const Tensor yv = y.get();
    return grads{yv * (g - sum(g * yv, {dim}, true))};
  });
  return y;
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
  detail::floating_dtype("log_softmax", {x});
  dim = wrap_dim(dim, x.dim(), "log_softmax");
  Tensor y = softmax_forward(x.detach(), dim, true);
  record("log_softmax", y, {x}, [y = Saved(y), dim](const Tensor& g, const NeedsGrad&) {
    return grads{g - exp(y.get()) * sum(g, {dim}, true)};
  });
  return y;
}

Tensor nll_loss(const Tensor& logp, const std::vector<int64_t>& target, Reduction r) {
  if (logp.dim() != 2)
    fail<ValueError>("nll_loss: expected log-probabilities of shape (N, C), got ", shape_str(logp.shape()));
  detail::floating_dtype("nll_loss", {logp});
  const int64_t n = logp.size(0), c = logp.size(1);
  if (static_cast<int64_t>(target.size()) != n)
    fail<ValueError>("nll_loss: ", target.size(), " targets for a batch of ", n);
  for (size_t i = 0; i < target.size(); ++i)
    if (target[i] < 0 || target[i] >= c)
      fail<IndexError>("nll_loss: target ", target[i], " at position ", i, " is out of range for ", c, " classes");
  Tensor picked = empty({n}, logp.dtype());
  dispatch_dtype(logp.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = static_cast<const T*>(logp.storage()->data()) + logp.offset();
    T* o = picked.data<T>();
    for (int64_t i = 0; i < n; ++i) o[i] = -p[i * logp.strides()[0] + target[i] * logp.strides()[1]];
  });
  record("nll_loss", picked, {logp}, [shape = logp.shape(), target](const Tensor& g, const NeedsGrad&) {
    Tensor gx = zeros(shape, g.dtype());
    const Tensor gc = detail::materialize(g);
    dispatch_dtype(g.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* px = gx.data<T>();
      const T* pg = gc.data<T>();
      for (size_t i = 0; i < target.size(); ++i) px[i * shape[1] + target[i]] = -pg[i];
    });
    return grads{gx};
  });
  return reduce(picked, r);
}

Tensor cross_entropy(const Tensor& logits, const std::vector<int64_t>& target, Reduction r) {
  if (logits.dim() != 2)
    fail<ValueError>("cross_entropy: expected logits of shape (N, C), got ", shape_str(logits.shape()));
  return nll_loss(log_softmax(logits, 1), target, r);
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction r) {
  check_same_shape(input, target, "mse_loss", "input", "target");
  detail::floating_dtype("mse_loss", {input, target});
  const Tensor d = input - target;
  return reduce(d * d, r);
}

namespace {

// The per-element Gaussian NLL 0.5 (log v + d^2 / v) (+ 0.5 log 2 pi), d = input - target,
// v = max(var, eps), in one pass and one graph node (a small regression step spent a tenth of its
// time in the dozen ops and nodes this takes when composed). input, target and var share a dtype
// and var broadcasts to input's shape. As in PyTorch, var's gradient passes the clamp unchanged.
Tensor gaussian_nll_elementwise(const Tensor& input, const Tensor& target, const Tensor& var, bool full,
                                double eps) {
  const Shape& shape = input.shape();
  const int64_t n = input.numel();
  // A single variance is read with stride 0 instead of being expanded.
  const bool one_var = var.numel() == 1;
  const int64_t vs = one_var ? 0 : 1;
  const Tensor x = detail::materialize(input), y = detail::materialize(target);
  const Tensor var_in = detail::materialize(one_var ? var : detail::raw_expand(var, shape));
  Tensor v = empty(var_in.shape(), input.dtype()), d = empty(shape, input.dtype()), loss = empty(shape, input.dtype());
  Tensor log_v;
  dispatch_dtype(input.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pin = var_in.data<T>();
    T* pv = v.data<T>();
    for (int64_t i = 0; i < v.numel(); ++i) {
      if (pin[i] < 0) fail<ValueError>("gaussian_nll_loss: var has negative entries");
      pv[i] = std::max(pin[i], static_cast<T>(eps));
    }
    {
      NoGradGuard no_grad;
      log_v = log(v);  // the vectorized kernel
    }
    const T *px = x.data<T>(), *py = y.data<T>(), *pl = log_v.data<T>();
    T *pd = d.data<T>(), *out = loss.data<T>();
    const T half = T(0.5), c = full ? static_cast<T>(0.5 * std::log(2.0 * std::numbers::pi)) : T(0);
    for (int64_t i = 0; i < n; ++i) {
      pd[i] = px[i] - py[i];
      out[i] = half * (pl[i * vs] + pd[i] * pd[i] / pv[i * vs]) + c;
    }
  });
  record("gaussian_nll_loss", loss, {input, target, var},
         [d, v, vs, var_shape = var.shape()](const Tensor& g, const NeedsGrad& needs) {
           const Tensor gc = detail::materialize(g);
           Tensor gx = empty(d.shape(), d.dtype()), gt = empty(d.shape(), d.dtype()), gv = empty(d.shape(), d.dtype());
           dispatch_dtype(d.dtype(), [&](auto tag) {
             using T = decltype(tag);
             const T *pg = gc.data<T>(), *pd = d.data<T>(), *pv = v.data<T>();
             T *px = gx.data<T>(), *pt = gt.data<T>(), *pvg = gv.data<T>();
             for (int64_t i = 0; i < d.numel(); ++i) {
               const T vi = pv[i * vs], r = pd[i] / vi;
               px[i] = pg[i] * r;
               pt[i] = -px[i];
               pvg[i] = T(0.5) * pg[i] * (T(1) / vi - r * r);
             }
           });
           return grads{needs[0] ? gx : Tensor(), needs[1] ? gt : Tensor(),
                        needs[2] ? sum_to(gv, var_shape) : Tensor()};
         });
  return loss;
}

}  // namespace

Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var, bool full, double eps,
                         Reduction r) {
  check_same_shape(input, target, "gaussian_nll_loss", "input", "target");
  if (broadcast_shapes(input.shape(), var.shape(), "gaussian_nll_loss") != input.shape())
    fail<ValueError>("gaussian_nll_loss: var of shape ", shape_str(var.shape()), " does not broadcast to input shape ",
                     shape_str(input.shape()));
  const DType dt = detail::floating_dtype("gaussian_nll_loss", {input, target, var});
  return reduce(gaussian_nll_elementwise(to_dtype(input, dt), to_dtype(target, dt), to_dtype(var, dt), full, eps), r);
}

Tensor dropout(const Tensor& x, double p, bool training, Generator* gen) {
  if (!(p >= 0.0 && p <= 1.0)) fail<ValueError>("dropout: probability must be in [0, 1], got ", p);
  detail::floating_dtype("dropout", {x});
  if (!training || p == 0.0) return x;
  if (p == 1.0) return x * 0.0;
  Tensor keep = rand(x.shape(), x.dtype(), gen);
  {
    NoGradGuard no_grad;
    keep = to_dtype(compare(keep, scalar_tensor(p, x.dtype()), Compare::ge), x.dtype()) / (1.0 - p);
  }
  return x * keep;
}

}  // namespace varbayes
