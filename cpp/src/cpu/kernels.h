// Internal kernel interface: the only way op code reaches SIMD code (docs/design.md section 3, rule 2).
// Each kernel family has one implementation per ISA level (scalar, avx2, avx512) in its own
// translation unit; only those files get ISA compiler flags. dispatch.cpp fills one table of
// function pointers once, from cpuid/xgetbv and the VARBAYES_ISA environment variable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace varbayes::cpu {

enum class Isa { scalar = 0, avx2 = 1, avx512 = 2 };

const char* isa_name(Isa isa);

// CPU features read once with cpuid + xgetbv (the OS must have enabled the register state).
struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool avx512f = false;
  bool avx512dq = false;
  bool avx512bw = false;
  bool avx512vl = false;
  std::string vendor;
  std::string brand;
  Isa best() const;  // highest level whose features are all present
  std::vector<std::string> names() const;
};
const CpuFeatures& cpu_features();

// C[M,N] = beta * C + A[M,K] * B[K,N] (+ bias[N]) (then ReLU if relu).
// A and B are addressed with general row/column strides, so transposed or sliced operands are
// packed directly without a transposed copy; C is row-major with leading dimension ldc.
// beta is 0 (C is overwritten, may hold garbage) or 1 (accumulate). bias may be null.
template <class T>
struct GemmArgs {
  int64_t M, N, K;
  const T* A;
  int64_t a_row_stride, a_col_stride;
  const T* B;
  int64_t b_row_stride, b_col_stride;
  T* C;
  int64_t ldc;
  T beta;
  const T* bias;
  bool relu;
};
template <class T>
using GemmFn = void (*)(const GemmArgs<T>&);

// Elementwise unary functions on contiguous arrays (out may alias in). round is half to even;
// frac is x - trunc(x); erfinv is the inverse of erf on [-1, 1].
enum class Unary {
  exp, log, log1p, sqrt, tanh, sigmoid, softplus, relu, abs, neg, reciprocal,
  sin, cos, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, erf, erfc, erfinv,
  expm1, exp2, log2, log10, rsqrt, square, floor, ceil, round, trunc, frac,
  count
};
template <class T>
using UnaryFn = void (*)(Unary op, const T* in, T* out, int64_t n);

// Elementwise binary functions with strides in elements (0 = broadcast scalar along the run).
// relu_grad(g, y) = y > 0 ? g : 0, ReLU's vjp from its output y. fmod takes the sign of a (C's
// fmod), remainder the sign of b (Python's %); logaddexp(a, b) = log(exp(a) + exp(b)).
enum class Binary {
  add, sub, mul, div, pow, maximum, minimum, relu_grad, atan2, fmod, remainder, hypot, logaddexp, count
};
template <class T>
using BinaryFn = void (*)(Binary op, const T* a, int64_t sa, const T* b, int64_t sb, T* out, int64_t n);

// Reductions of contiguous data (sums accumulate in float64; max/min propagate NaN, as NumPy).
// rows: out[r] = op over row r of `rows` rows of length n. columns: out[j] = op over column j of
// a (rows, cols) block with leading dimension ld. logsumexp: out[r] = log(sum(exp(row r))).
// softmax: out = softmax (log: log_softmax) of each row; out may alias in. Each call works on the
// rows or columns it is given, so splitting them between threads cannot change a result.
enum class Reduce { sum, max, min };
template <class T>
struct ReduceKernels {
  void (*rows)(Reduce op, const T* in, int64_t rows, int64_t n, T* out);
  void (*columns)(Reduce op, const T* in, int64_t rows, int64_t cols, int64_t ld, T* out);
  void (*logsumexp)(const T* in, int64_t rows, int64_t n, T* out);
  void (*softmax)(const T* in, T* out, int64_t rows, int64_t n, bool log);
};

// Draws of the Philox stream (varbayes/random.h): element i is value i % 2 of block first + i / 2,
// so the elements from an even index e on are the draw that starts at block first + e / 2.
// normal: out[i] = a + b * z_i; uniform: out[i] = a + (b - a) * u_i, kept below b after rounding.
template <class T>
using FillFn = void (*)(uint64_t seed, uint64_t first, T* out, int64_t n, double a, double b);
// The posterior N(mu, softplus(rho)^2) of n weights, the prior N(pm, ps^2) (strides sm, ss of 1,
// or 0 for one value for all; unused without KL) and eps, the normal draw at block `first` under
// key `seed` (element order as FillFn).
template <class T>
struct PosteriorArgs {
  const T *mu, *rho, *pm, *ps;
  int64_t sm, ss, n;
  uint64_t seed, first;
};
// Forward in one pass, eps in registers: w = mu + softplus(rho) * eps unless w is null, the
// variance softplus(rho)^2 (local reparameterization) unless var is null; returns
// KL(posterior || prior) summed over the n weights when kl is set (else 0).
template <class T>
using PosteriorFwdFn = double (*)(const PosteriorArgs<T>& a, T* w, T* var, bool kl);
// Backward in one pass, eps regenerated from the counters. Gradient terms, each optional:
//   g_w   (dL/dw of w = mu + sigma eps, or of a direct use of mu): g_mu += g_w, and when `sample`
//         g_rho += g_w eps sigmoid(rho);
//   g_var (dL/d(sigma^2), local reparameterization): g_rho += g_var 2 sigma sigmoid(rho);
//   KL    (when kl): g_mu, g_rho += g_kl dKL/dmu, dKL/drho and, when prior is set, the prior's
//         gradients g_kl dKL/dpm, dKL/dps: written per element to g_pm, g_ps for stride 1,
//         summed into the returned pair for stride 0.
// g_mu and g_rho are overwritten (g_mu may be null: not written).
template <class T>
struct PosteriorGrads {
  const T *g_w, *g_var;
  bool sample, kl, prior;
  double g_kl;
  T *g_mu, *g_rho, *g_pm, *g_ps;
};
struct PriorGradSums {
  double mean = 0, std = 0;
};
template <class T>
using PosteriorBwdFn = PriorGradSums (*)(const PosteriorArgs<T>& a, const PosteriorGrads<T>& g);

template <class T>
struct BayesKernels {
  FillFn<T> fill_normal, fill_uniform;
  PosteriorFwdFn<T> posterior_fwd;
  PosteriorBwdFn<T> posterior_bwd;
};

// One fused pass of an optimizer over a parameter, in the update order and rounding of
// torch.optim's single-tensor path (see the optim/<name>.cpp files for the formulas).
template <class T>
struct AdamArgs {
  T *w, *m, *v, *vmax;  // vmax is null unless amsgrad
  const T* g;
  int64_t n;
  double lr, beta1, beta2, eps, weight_decay, step_size, bias_correction2_sqrt;
  bool decoupled;  // AdamW: decay the weights, not the gradient
  bool maximize;   // step up the gradient
};
template <class T>
struct SgdArgs {
  T* w;
  T* buf;  // momentum buffer, null without momentum
  const T* g;
  int64_t n;
  double lr, momentum, dampening, weight_decay;
  bool nesterov, first;  // first: the buffer starts as the gradient
  bool maximize;         // step up the gradient
};
// One SGLD/pSGLD step (optim/sgld.cpp) with the standard normal noise of the Philox draw that
// starts at counter `block` under key `seed` (element order as FillFn), drawn in the same pass.
template <class T>
struct SgldArgs {
  T* w;
  T* v;  // pSGLD's square average, null for plain SGLD
  const T* g;
  int64_t n;
  double lr, n_data, prior_mean, prior_precision, noise_std, alpha, eps;  // noise_std = sqrt(2 lr temperature)
  bool first;  // v starts as g^2
  uint64_t seed, block;
};
// The parameter, its gradient and the options shared by the optimizers below. Their gradient is
// negated to maximize, then gets the L2 weight decay (except NAdam's and RAdam's decoupled decay).
template <class T>
struct UpdateArgs {
  T* w;
  const T* g;
  int64_t n;
  double lr, weight_decay;
  bool maximize;
};
template <class T>
struct RmspropArgs {
  UpdateArgs<T> u;
  T *square_avg, *grad_avg, *momentum_buffer;  // grad_avg null unless centered, momentum_buffer unless momentum > 0
  double alpha, eps, momentum;
};
template <class T>
struct AdagradArgs {
  UpdateArgs<T> u;  // u.lr: the step's decayed lr
  T* sum;
  double eps;
};
template <class T>
struct AdadeltaArgs {
  UpdateArgs<T> u;
  T *square_avg, *acc_delta;
  double rho, eps;
};
template <class T>
struct AdamaxArgs {
  UpdateArgs<T> u;
  T *exp_avg, *exp_inf;
  double beta1, beta2, eps, step_size;  // step_size = lr / (1 - beta1^t)
};
template <class T>
struct NadamArgs {
  UpdateArgs<T> u;
  T *exp_avg, *exp_avg_sq;
  double beta1, beta2, eps, bias_correction2;
  double grad_scale, avg_scale;  // -lr (1 - mu_t) / (1 - prod mu), -lr mu_{t+1} / (1 - prod mu * mu_{t+1})
  bool decoupled;
};
template <class T>
struct RadamArgs {
  UpdateArgs<T> u;
  T *exp_avg, *exp_avg_sq;
  double beta1, beta2, eps, bias_correction1, bias_correction2_sqrt;
  double rect;  // the variance rectification, 0 while the variance is intractable (rho_t <= 5)
  bool decoupled;
};
template <class T>
struct OptimKernels {
  void (*adam)(const AdamArgs<T>&);
  void (*sgd)(const SgdArgs<T>&);
  void (*sgld)(const SgldArgs<T>&);
  void (*rmsprop)(const RmspropArgs<T>&);
  void (*adagrad)(const AdagradArgs<T>&);
  void (*adadelta)(const AdadeltaArgs<T>&);
  void (*adamax)(const AdamaxArgs<T>&);
  void (*nadam)(const NadamArgs<T>&);
  void (*radam)(const RadamArgs<T>&);
};

struct KernelTable {
  Isa isa;
  GemmFn<float> gemm_f32;
  GemmFn<double> gemm_f64;
  UnaryFn<float> unary_f32;
  UnaryFn<double> unary_f64;
  BinaryFn<float> binary_f32;
  BinaryFn<double> binary_f64;
  const BayesKernels<float>* bayes_f32;
  const BayesKernels<double>* bayes_f64;
  const OptimKernels<float>* optim_f32;
  const OptimKernels<double>* optim_f64;
  const ReduceKernels<float>* reduce_f32;
  const ReduceKernels<double>* reduce_f64;
};

// The table for the active ISA level, filled on first use.
const KernelTable& kernels();
// Table for a given level (throws std::invalid_argument if the CPU lacks it); used by tests
// that compare every variant against the scalar reference.
const KernelTable& kernels_for(Isa isa);

// Typed access used by the op layer.
template <class T>
inline GemmFn<T> gemm_fn(const KernelTable& k) {
  if constexpr (sizeof(T) == 4) return k.gemm_f32; else return k.gemm_f64;
}
template <class T>
inline UnaryFn<T> unary_fn(const KernelTable& k) {
  if constexpr (sizeof(T) == 4) return k.unary_f32; else return k.unary_f64;
}
template <class T>
inline BinaryFn<T> binary_fn(const KernelTable& k) {
  if constexpr (sizeof(T) == 4) return k.binary_f32; else return k.binary_f64;
}

template <class T>
inline const BayesKernels<T>& bayes_kernels(const KernelTable& k) {
  if constexpr (sizeof(T) == 4) return *k.bayes_f32; else return *k.bayes_f64;
}

template <class T>
inline const ReduceKernels<T>& reduce_kernels(const KernelTable& k) {
  if constexpr (sizeof(T) == 4) return *k.reduce_f32; else return *k.reduce_f64;
}

template <class T>
inline const OptimKernels<T>& optim_kernels(const KernelTable& k) {
  if constexpr (sizeof(T) == 4) return *k.optim_f32; else return *k.optim_f64;
}

// Per-ISA entry points (defined in <family>_<isa>.cpp).
#define VARBAYES_DECLARE_ISA(ISA)                              \
  namespace ISA {                                              \
  void gemm_f32(const GemmArgs<float>& a);                     \
  void gemm_f64(const GemmArgs<double>& a);                    \
  void unary_f32(Unary op, const float* in, float* out, int64_t n);    \
  void unary_f64(Unary op, const double* in, double* out, int64_t n);  \
  void binary_f32(Binary op, const float* a, int64_t sa, const float* b, int64_t sb, float* out, int64_t n);      \
  void binary_f64(Binary op, const double* a, int64_t sa, const double* b, int64_t sb, double* out, int64_t n);  \
  extern const BayesKernels<float> bayes_f32;                  \
  extern const BayesKernels<double> bayes_f64;                 \
  extern const OptimKernels<float> optim_f32;                  \
  extern const OptimKernels<double> optim_f64;                 \
  extern const ReduceKernels<float> reduce_f32;                \
  extern const ReduceKernels<double> reduce_f64;               \
  }
VARBAYES_DECLARE_ISA(scalar)
VARBAYES_DECLARE_ISA(avx2)
VARBAYES_DECLARE_ISA(avx512)
#undef VARBAYES_DECLARE_ISA

// Threads used by kernels (OpenMP), one count for the process. Results do not depend on it beyond
// float round-off.
void set_num_threads(int n);
int get_num_threads();
int max_num_threads();

}  // namespace varbayes::cpu
