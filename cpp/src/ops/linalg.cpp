// matmul (1-D, 2-D, batched with broadcasting) and linear, both through the GEMM kernel.
#include "cpu/kernels.h"
#include "ops/iter.h"
#include "varbayes/ops.h"

namespace varbayes {

namespace {

using grads = std::vector<Tensor>;

// C = A B (+ bias, relu) for 2-D views A (M, K) and B (K, N) with any strides; C contiguous.
template <class T>
void gemm_views(const Tensor& A, const Tensor& B, T* C, const T* bias, bool relu) {
  cpu::GemmArgs<T> args{A.shape()[0], B.shape()[1], A.shape()[1],
                        static_cast<const T*>(A.storage()->data()) + A.offset(), A.strides()[0], A.strides()[1],
                        static_cast<const T*>(B.storage()->data()) + B.offset(), B.strides()[0], B.strides()[1],
                        C, B.shape()[1], T(0), bias, relu};
  cpu::gemm_fn<T>(cpu::kernels())(args);
}

// The matrix formed by the last two dimensions of t, starting at element `batch_offset`.
Tensor matrix_at(const Tensor& t, int64_t batch_offset) {
  const int64_t d = t.dim();
  return make_view(t, {t.shape()[d - 2], t.shape()[d - 1]}, {t.strides()[d - 2], t.strides()[d - 1]}, batch_offset);
}

void check_float_pair(const Tensor& a, const Tensor& b, const char* op) {
  if (a.dim() == 0 || b.dim() == 0)
    fail<ValueError>(op, ": both operands need at least one dimension, got shapes ", shape_str(a.shape()), " and ",
                     shape_str(b.shape()));
}

}  // namespace

Tensor matmul(const Tensor& a0, const Tensor& b0) {
  check_float_pair(a0, b0, "matmul");
  const DType dt = detail::floating_dtype("matmul", {a0, b0});
  const Tensor a = to_dtype(a0, dt), b = to_dtype(b0, dt);
  if (a.dim() == 1 && b.dim() == 1) return reshape(matmul(unsqueeze(a, 0), unsqueeze(b, 1)), {});
  if (a.dim() == 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.dim() == 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  const int64_t n = a.size(-2), k = a.size(-1), m = b.size(-1);
  if (b.size(-2) != k)
    fail<ValueError>("matmul: shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()),
                     " do not match (inner dimensions ", k, " and ", b.size(-2), ")");
  // A stack of matrices times one matrix is one GEMM with the stack folded into the rows.
  if (b.dim() == 2 && a.dim() > 2) {
    Shape out_shape(a.shape().begin(), a.shape().end() - 1);
    out_shape.push_back(m);
    return reshape(matmul(reshape(a, {-1, k}), b), out_shape);
  }
  const Shape a_batch(a.shape().begin(), a.shape().end() - 2), b_batch(b.shape().begin(), b.shape().end() - 2);
  Shape batch;
  try {
    batch = broadcast_shapes(a_batch, b_batch, "matmul");
  } catch (const ValueError&) {
    fail<ValueError>("matmul: shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()),
                     " have batch dimensions that cannot be broadcast together");
  }
  Shape ashape = batch, bshape = batch, out_shape = batch;
  ashape.insert(ashape.end(), {n, k});
  bshape.insert(bshape.end(), {k, m});
  out_shape.insert(out_shape.end(), {n, m});
  const Tensor ae = detail::raw_expand(a, ashape), be = detail::raw_expand(b, bshape);
  Tensor out = empty(out_shape, dt);
  const int64_t nb = shape_numel(batch);
  dispatch_dtype(dt, [&](auto tag) {
    using T = decltype(tag);
    T* po = out.data<T>();
    for (int64_t i = 0; i < nb; ++i) {
      int64_t oa = ae.offset(), ob = be.offset();
      for (int64_t d = static_cast<int64_t>(batch.size()) - 1, rem = i; d >= 0; --d) {
        const int64_t idx = rem % batch[d];
        rem /= batch[d];
        oa += idx * ae.strides()[d];
        ob += idx * be.strides()[d];
      }
      gemm_views<T>(matrix_at(ae, oa), matrix_at(be, ob), po + i * n * m, nullptr, false);
    }
  });
  record("matmul", out, {a, b}, [a = Saved(a), b = Saved(b)](const Tensor& g, const NeedsGrad& nd) {
    const Tensor av = a.get(), bv = b.get();
    return grads{nd[0] ? sum_to(matmul(g, transpose(bv, -1, -2)), av.shape()) : Tensor(),
                 nd[1] ? sum_to(matmul(transpose(av, -1, -2), g), bv.shape()) : Tensor()};
  });
  return out;
}

Tensor linear(const Tensor& x0, const Tensor& w0, const Tensor& b0) {
  if (w0.dim() != 2) fail<ValueError>("linear: weight must be 2-D (out, in), got shape ", shape_str(w0.shape()));
  if (x0.dim() == 0 || x0.size(-1) != w0.size(1))
    fail<ValueError>("linear: input of shape ", shape_str(x0.shape()), " does not match weight of shape ",
                     shape_str(w0.shape()), " (expected last dimension ", w0.size(1), ")");
  if (b0.defined() && (b0.dim() != 1 || b0.size(0) != w0.size(0)))
    fail<ValueError>("linear: bias of shape ", shape_str(b0.shape()), " does not match weight of shape ",
                     shape_str(w0.shape()));
  const DType dt = detail::floating_dtype("linear", {x0, w0, b0});
  const Tensor x = to_dtype(x0, dt), w = to_dtype(w0, dt), b = b0.defined() ? to_dtype(b0, dt) : Tensor();
  if (x.dim() != 2) {
    Shape out_shape = x.shape();
    out_shape.back() = w.size(0);
    return reshape(linear(reshape(x, {-1, x.size(-1)}), w, b), out_shape);
  }
  Tensor out = empty({x.size(0), w.size(0)}, dt);
  const Tensor bc = b.defined() ? detail::materialize(b) : Tensor();
  dispatch_dtype(dt, [&](auto tag) {
    using T = decltype(tag);
    gemm_views<T>(x, transpose(w.detach(), 0, 1), out.data<T>(), bc.defined() ? bc.data<T>() : nullptr, false);
  });
  std::vector<Tensor> inputs{x, w};
  if (b.defined()) inputs.push_back(b);
  record("linear", out, inputs, [x = Saved(x), w = Saved(w)](const Tensor& g, const NeedsGrad& nd) {
    grads out{nd[0] ? matmul(g, w.get()) : Tensor(), nd[1] ? matmul(transpose(g, 0, 1), x.get()) : Tensor()};
    if (nd.size() > 2) out.push_back(nd[2] ? sum(g, {0}) : Tensor());
    return out;
  });
  return out;
}

}  // namespace varbayes
