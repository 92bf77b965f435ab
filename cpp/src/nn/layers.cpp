// Built-in layers.
#include <cmath>
#include <sstream>
#include <vector>

#include "cpu/kernels.h"
#include "ops/iter.h"
#include "varbayes/nn.h"

namespace varbayes::nn {

Linear::Linear(int64_t in, int64_t out, bool bias, DType dtype) : in_features(in), out_features(out) {
  if (in <= 0 || out <= 0)
    fail<ValueError>("Linear: in_features and out_features must be positive, got ", in, " and ", out);
  // PyTorch's default: kaiming_uniform(a=sqrt(5)) on W and U(-1/sqrt(in), 1/sqrt(in)) on b, both
  // of which reduce to the bound 1/sqrt(in).
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  Tensor w = empty({out, in}, dtype);
  current_generator().fill_uniform(w, -bound, bound);
  register_parameter("weight", w);
  Tensor b;
  if (bias) {
    b = empty({out}, dtype);
    current_generator().fill_uniform(b, -bound, bound);
  }
  register_parameter("bias", b);
}

Tensor Linear::forward(const Tensor& x) { return linear(x, param("weight"), param("bias")); }

std::string Linear::extra_repr() const {
  std::ostringstream os;
  os << "in_features=" << in_features << ", out_features=" << out_features
     << ", bias=" << (param("bias").defined() ? "True" : "False");
  return os.str();
}

Dropout::Dropout(double p) : p(p) {
  if (!(p >= 0.0 && p <= 1.0)) fail<ValueError>("Dropout: probability must be in [0, 1], got ", p);
}

Tensor Dropout::forward(const Tensor& x) { return dropout(x, p, is_training()); }

std::string Dropout::extra_repr() const {
  std::ostringstream os;
  os << "p=" << p;
  return os.str();
}

Sequential::Sequential(std::vector<std::shared_ptr<Module>> modules) {
  for (auto& m : modules) append(std::move(m));
}

void Sequential::append(std::shared_ptr<Module> m) {
  if (!m) fail<ValueError>("Sequential: cannot append an empty module");
  register_module(std::to_string(size()), std::move(m));
}

std::shared_ptr<Module> Sequential::at(int64_t index) const {
  const int64_t n = static_cast<int64_t>(size());
  if (index < -n || index >= n) fail<IndexError>("Sequential: index ", index, " out of range for ", n, " modules");
  return named_children()[index < 0 ? index + n : index].second;
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (const auto& [n, m] : named_children()) y = (*m)(y);
  return y;
}

namespace utils {

namespace {

// sum(t * t) with the same kernels, but without tensors or graph: clipping a small network's
// gradients spent most of its time creating the two temporaries per parameter.
double sum_of_squares(const Tensor& t) {
  const Tensor c = detail::materialize(t);
  const int64_t n = c.numel();
  std::vector<double> partial((n + detail::kParallelGrain - 1) / detail::kParallelGrain, 0.0);
  dispatch_dtype(c.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const auto square = cpu::binary_fn<T>(cpu::kernels());
    const auto sum_rows = cpu::reduce_kernels<T>(cpu::kernels()).rows;
    const T* p = c.data<T>();
    detail::parallel_chunks(n, [&](int64_t begin, int64_t end) {
      std::vector<T> sq(static_cast<size_t>(end - begin));
      square(cpu::Binary::mul, p + begin, 1, p + begin, 1, sq.data(), end - begin);
      T s;
      sum_rows(cpu::Reduce::sum, sq.data(), 1, end - begin, &s);
      partial[begin / detail::kParallelGrain] = s;
    });
  });
  double total = 0;
  for (double s : partial) total += s;
  return total;
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type, bool error_if_nonfinite) {
  if (!(max_norm > 0)) fail<ValueError>("clip_grad_norm_: max_norm must be positive, got ", max_norm);
  if (!(norm_type > 0)) fail<ValueError>("clip_grad_norm_: norm_type must be positive (or inf), got ", norm_type);
  double total = 0;
  for (const Tensor& p : params) {
    const Tensor g = p.grad();
    if (!g.defined() || g.numel() == 0) continue;
    if (std::isinf(norm_type)) {
      total = std::max(total, max(abs(g.detach())).item());
    } else if (norm_type == 2.0) {
      total += sum_of_squares(g);  // the fused kernel for the common case
    } else {
      total += sum(pow(abs(g.detach()), norm_type)).item();
    }
  }
  if (!std::isinf(norm_type)) total = std::pow(total, 1.0 / norm_type);
  if (error_if_nonfinite && !std::isfinite(total))
    fail<RuntimeError>("clip_grad_norm_: the total norm of order ", norm_type,
                       " of the gradients is non-finite, so it cannot be clipped (pass error_if_nonfinite=False "
                       "to scale the gradients by it anyway)");
  // The small constant avoids dividing by zero, as in PyTorch.
  const double coef = max_norm / (total + 1e-6);
  if (coef < 1.0) {
    NoGradGuard no_grad;
    for (const Tensor& p : params) {
      Tensor g = p.grad();
      if (g.defined()) mul_(g, coef);
    }
  }
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  if (!(clip_value >= 0)) fail<ValueError>("clip_grad_value_: clip_value must be non-negative, got ", clip_value);
  NoGradGuard no_grad;
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (g.defined()) copy_(g, clamp(g, -clip_value, clip_value));
  }
}

}  // namespace utils
}  // namespace varbayes::nn
