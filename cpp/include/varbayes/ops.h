// Differentiable tensor operations. Each op checks shapes/dtypes, computes its result through the
// kernel layer and records its vjp (ops/<family>.cpp). Broadcasting follows NumPy's rules.
#pragma once

#include <optional>
#include <vector>

#include "varbayes/autograd.h"
#include "varbayes/random.h"
#include "varbayes/tensor.h"

namespace varbayes {

// ---- creation -------------------------------------------------------------------------------
Tensor zeros(const Shape& shape, DType dtype = DType::float32);
Tensor ones(const Shape& shape, DType dtype = DType::float32);
Tensor full(const Shape& shape, double value, DType dtype = DType::float32);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
// 0-d tensor holding value.
Tensor scalar_tensor(double value, DType dtype = DType::float32);
// Values start, start+step, ... below end (above end for negative step).
Tensor arange(double start, double end, double step = 1.0, DType dtype = DType::float32);
// `steps` evenly spaced values from start to end inclusive.
Tensor linspace(double start, double end, int64_t steps, DType dtype = DType::float32);
// n x m identity (m = n when m < 0).
Tensor eye(int64_t n, int64_t m = -1, DType dtype = DType::float32);
// Standard normal / uniform [0, 1) samples from `gen` (current_generator() when null).
Tensor randn(const Shape& shape, DType dtype = DType::float32, Generator* gen = nullptr);
Tensor rand(const Shape& shape, DType dtype = DType::float32, Generator* gen = nullptr);
// Copies `n` values of type T into a new tensor of the given shape.
Tensor from_values(const std::vector<double>& values, const Shape& shape, DType dtype = DType::float32);

// ---- type promotion (PyTorch's rules) -------------------------------------------------------
// The dtype an op on these operands computes in (torch.result_type). Tensors with dimensions
// decide; 0-d tensors, and after them wrapped numbers, only count when they are of a higher
// category (bool < integer < floating). A wrapped floating number counts as the default float
// dtype: int64 tensor + 2.5 -> float32, float32 tensor + float64 0-d tensor -> float32.
// Undefined tensors are skipped.
DType result_type(const std::vector<Tensor>& operands);
// A 0-d tensor standing for a number written in code (Python's 2, 2.5, True): float64, int64 or
// bool storage, marked as a wrapped number for result_type.
Tensor wrapped_number(double value);
Tensor wrapped_number(int64_t value);
Tensor wrapped_number(bool value);

// ---- copies and casts -----------------------------------------------------------------------
Tensor contiguous(const Tensor& x);   // x itself when already contiguous
Tensor clone(const Tensor& x);        // always a new contiguous copy (differentiable)
// x converted to dtype (x itself when it has it); float -> int truncates toward zero, any -> bool
// is x != 0. Differentiable between floating dtypes.
Tensor to_dtype(const Tensor& x, DType dtype);

// ---- elementwise unary ----------------------------------------------------------------------
// Ops computed in floating point (exp, log, log1p, sqrt, reciprocal, sigmoid, tanh) take integer
// and bool input as float32, as PyTorch; softplus is floating-only. neg, abs and relu keep an
// integer dtype and refuse bool.
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor reciprocal(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
// log(1 + exp(x)), stable for large |x|.
Tensor softplus(const Tensor& x);
Tensor sign(const Tensor& x);  // not differentiable (zero gradient)
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tan(const Tensor& x);
Tensor asin(const Tensor& x);
Tensor acos(const Tensor& x);
Tensor atan(const Tensor& x);
Tensor sinh(const Tensor& x);
Tensor cosh(const Tensor& x);
Tensor asinh(const Tensor& x);
Tensor acosh(const Tensor& x);
Tensor atanh(const Tensor& x);
Tensor erf(const Tensor& x);
Tensor erfc(const Tensor& x);
Tensor erfinv(const Tensor& x);
Tensor expm1(const Tensor& x);
Tensor exp2(const Tensor& x);
Tensor log2(const Tensor& x);
Tensor log10(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor square(const Tensor& x);
// Rounding (zero gradient, as PyTorch). round is half to even, at `decimals` decimal places.
Tensor floor(const Tensor& x);
Tensor ceil(const Tensor& x);
Tensor round(const Tensor& x, int64_t decimals = 0);
Tensor trunc(const Tensor& x);
Tensor frac(const Tensor& x);  // x - trunc(x)
// log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given.
Tensor logit(const Tensor& x, std::optional<double> eps = std::nullopt);
// NaN -> nan, +inf -> posinf, -inf -> neginf (the largest/lowest finite value when not given).
Tensor nan_to_num(const Tensor& x, double nan = 0.0, std::optional<double> posinf = std::nullopt,
                  std::optional<double> neginf = std::nullopt);
// 0/1 tensors of x's dtype (no gradient).
Tensor isnan(const Tensor& x);
Tensor isinf(const Tensor& x);
Tensor isfinite(const Tensor& x);

// ---- elementwise binary (broadcasting) ------------------------------------------------------
// Operands are promoted with result_type; integer arithmetic stays integer (wrapping on
// overflow), div is true division (integer operands give float32).
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, double exponent);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
// floor(a / b) and a - b * floor(a / b) (the remainder has b's sign, as Python's % and
// torch.remainder). Integer division by zero throws RuntimeError. floor_divide has no gradient.
Tensor floor_divide(const Tensor& a, const Tensor& b);
Tensor remainder(const Tensor& a, const Tensor& b);
Tensor atan2(const Tensor& a, const Tensor& b);
Tensor fmod(const Tensor& a, const Tensor& b);  // sign of a, as C's fmod
Tensor hypot(const Tensor& a, const Tensor& b);
Tensor logaddexp(const Tensor& a, const Tensor& b);  // log(exp(a) + exp(b)), stably
// start + weight * (end - start), broadcasting all three.
Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight);
// Comparisons give bool tensors (no gradient); operands are promoted first.
enum class Compare { eq, ne, lt, le, gt, ge };
Tensor compare(const Tensor& a, const Tensor& b, Compare c);
// cond ? a : b for a bool cond (TypeError otherwise, as torch), broadcasting all three.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

// Logical ops treat nonzero as true and give bool tensors; bitwise ops take integer and bool
// tensors (TypeError for floating ones), promoted, and keep their dtype.
enum class Logic { and_, or_, xor_ };
Tensor logical_not(const Tensor& x);
Tensor logical(const Tensor& a, const Tensor& b, Logic op);
Tensor bitwise_not(const Tensor& x);
Tensor bitwise(const Tensor& a, const Tensor& b, Logic op);
// Indices of the nonzero elements: an int64 tensor (count, x.dim()), row-major order.
Tensor nonzero(const Tensor& x);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);

// ---- in place (no graph: allowed on tensors that do not require grad, or under NoGradGuard) --
Tensor& copy_(Tensor& dst, const Tensor& src);  // src broadcast to dst's shape, dtype converted
Tensor& fill_(Tensor& dst, double value);
Tensor& zero_(Tensor& dst);
Tensor& add_(Tensor& dst, const Tensor& src, double alpha = 1.0);  // dst += alpha * src
Tensor& sub_(Tensor& dst, const Tensor& src, double alpha = 1.0);  // dst -= alpha * src (not on bool)
Tensor& mul_(Tensor& dst, const Tensor& src);
Tensor& div_(Tensor& dst, const Tensor& src);
Tensor& mul_(Tensor& dst, double value);

// ---- reductions (dims empty = all dims) -----------------------------------------------------
Tensor sum(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
// Variance with Bessel's correction by default (correction = 1), as NumPy's ddof.
Tensor var(const Tensor& x, std::vector<int64_t> dims = {}, int64_t correction = 1, bool keepdim = false);
// sqrt(var(...)) (named std_ as std is the C++ namespace).
Tensor std_(const Tensor& x, std::vector<int64_t> dims = {}, int64_t correction = 1, bool keepdim = false);
Tensor max(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
Tensor min(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
Tensor logsumexp(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
// Whether any / all elements are nonzero, as bool tensors.
Tensor any(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
Tensor all(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
// int64 index of the first maximum (minimum) along dim (NaN counts as the maximum and the
// minimum, as torch); without dim, the index into the flattened tensor.
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
// torch.max(x, dim) / torch.min(x, dim): the extreme values along dim and their argmax/argmin
// indices; the gradient goes to the selected element only.
std::pair<Tensor, Tensor> max_dim(const Tensor& x, int64_t dim, bool keepdim = false);
std::pair<Tensor, Tensor> min_dim(const Tensor& x, int64_t dim, bool keepdim = false);
// Sums x down to `shape` (the reverse of broadcasting; used by vjps).
Tensor sum_to(const Tensor& x, const Shape& shape);

// ---- linear algebra -------------------------------------------------------------------------
// NumPy matmul semantics: 1-D, 2-D and batched (broadcast batch dims).
Tensor matmul(const Tensor& a, const Tensor& b);
// x W^T + b for x (..., in), W (out, in), b (out) or undefined; one fused GEMM.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

// ---- views and shape (views share storage) --------------------------------------------------
Tensor reshape(const Tensor& x, Shape shape);  // a view when possible, else a copy; one dim may be -1
Tensor view(const Tensor& x, Shape shape);     // a view, or ValueError when strides do not allow it
Tensor transpose(const Tensor& x, int64_t d0, int64_t d1);
Tensor permute(const Tensor& x, std::vector<int64_t> dims);
// Elements start, start+step, ... < stop along dim (bounds clipped like Python slices).
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t stop, int64_t step = 1);
// Removes dim by taking index (negative counts from the end).
Tensor select(const Tensor& x, int64_t dim, int64_t index);
// Broadcast view (stride 0); -1 keeps a size.
Tensor expand(const Tensor& x, Shape shape);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor squeeze(const Tensor& x, std::optional<int64_t> dim = std::nullopt);
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor index_select(const Tensor& x, int64_t dim, const std::vector<int64_t>& index);
Tensor cat(const std::vector<Tensor>& xs, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& xs, int64_t dim = 0);
// Broadcast shape of two shapes (NumPy rules) or ValueError naming op.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// ---- neural-network functions ---------------------------------------------------------------
enum class Reduction { none, mean, sum };
Reduction reduction_from_string(const std::string& s);
Tensor softmax(const Tensor& x, int64_t dim = -1);
Tensor log_softmax(const Tensor& x, int64_t dim = -1);
// Mean negative log-likelihood of integer class targets under log-probabilities (N, C).
Tensor nll_loss(const Tensor& log_probs, const std::vector<int64_t>& target, Reduction r = Reduction::mean);
Tensor cross_entropy(const Tensor& logits, const std::vector<int64_t>& target, Reduction r = Reduction::mean);
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction r = Reduction::mean);
// 0.5 * (log(max(var, eps)) + (input - target)^2 / max(var, eps)) [+ 0.5 log(2 pi) if full].
Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var, bool full = false,
                         double eps = 1e-6, Reduction r = Reduction::mean);
// Inverted dropout: zero with probability p, scale the rest by 1/(1-p); identity when !training.
Tensor dropout(const Tensor& x, double p, bool training, Generator* gen = nullptr);

// ---- activations (PyTorch's definitions and gradients) --------------------------------------
// x Phi(x), or its tanh approximation when approximate is "tanh" ("none": exact).
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
Tensor silu(const Tensor& x);                        // x sigmoid(x)
Tensor elu(const Tensor& x, double alpha = 1.0);     // x > 0 ? x : alpha (exp(x) - 1)
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor mish(const Tensor& x);                        // x tanh(softplus(x))
Tensor hardtanh(const Tensor& x, double min_val = -1.0, double max_val = 1.0);
Tensor softsign(const Tensor& x);                    // x / (1 + |x|)
// x > 0 ? x : weight x, weight of one value or one per channel (dimension 1 of x).
Tensor prelu(const Tensor& x, const Tensor& weight);

}  // namespace varbayes
