// Internal helpers of the op layer: strided iteration, broadcasting strides, raw copies and
// parallel chunking. No autograd here: ops call these on data and record their own vjps.
#pragma once

#include <omp.h>

#include <array>
#include <cstdint>
#include <initializer_list>

#include "cpu/kernels.h"
#include "varbayes/tensor.h"

namespace varbayes::detail {

// Elementwise work below this many elements runs on one thread (thread start-up costs more).
constexpr int64_t kParallelGrain = 1 << 15;

// Strides of `t` seen as broadcast to `shape` (0 where a dimension is broadcast).
Shape broadcast_strides(const Tensor& t, const Shape& shape);

// Calls f(offsets, n, inner_strides) for each innermost run of an N-operand strided walk over
// `shape` (offsets and strides in elements, per operand). Dimensions of size 1 are dropped and
// mergeable dimensions coalesced first, so contiguous operands give one long run. Runs are
// visited in parallel when the shape is large; f must only write to the run it is given.
template <size_t N, class F>
void for_each_run(const Shape& shape, const std::array<Shape, N>& strides, F&& f) {
  Shape dims;
  std::array<Shape, N> st;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0) return;
    if (shape[d] == 1) continue;
    bool merge = !dims.empty();
    for (size_t k = 0; k < N && merge; ++k) merge = st[k].back() == strides[k][d] * shape[d];
    if (merge) {
      dims.back() *= shape[d];
      for (size_t k = 0; k < N; ++k) st[k].back() = strides[k][d];
    } else {
      dims.push_back(shape[d]);
      for (size_t k = 0; k < N; ++k) st[k].push_back(strides[k][d]);
    }
  }
  std::array<int64_t, N> inner{};
  int64_t n = 1;
  if (!dims.empty()) {
    n = dims.back();
    for (size_t k = 0; k < N; ++k) inner[k] = st[k].back();
  }
  const int64_t outer_dims = dims.empty() ? 0 : static_cast<int64_t>(dims.size()) - 1;
  int64_t runs = 1;
  for (int64_t d = 0; d < outer_dims; ++d) runs *= dims[d];
  auto visit = [&](int64_t r) {
    std::array<int64_t, N> off{};
    for (int64_t d = outer_dims - 1, rem = r; d >= 0; --d) {
      const int64_t i = rem % dims[d];
      rem /= dims[d];
      for (size_t k = 0; k < N; ++k) off[k] += i * st[k][d];
    }
    f(off, n, inner);
  };
  // A branch, not an if() clause: the clause still enters the OpenMP runtime on every call,
  // which costs more than a small op.
  if (runs > 1 && runs * n >= kParallelGrain) {
#pragma omp parallel for schedule(static) num_threads(cpu::get_num_threads())
    for (int64_t r = 0; r < runs; ++r) visit(r);
  } else {
    for (int64_t r = 0; r < runs; ++r) visit(r);
  }
}

// Calls f(begin, end) over [0, n) in chunks, in parallel when n is large.
template <class F>
void parallel_chunks(int64_t n, F&& f) {
  if (n < 2 * kParallelGrain) {
    if (n > 0) f(int64_t{0}, n);
    return;
  }
  const int64_t chunks = (n + kParallelGrain - 1) / kParallelGrain;
#pragma omp parallel for schedule(static) num_threads(cpu::get_num_threads())
  for (int64_t c = 0; c < chunks; ++c) f(c * kParallelGrain, std::min(n, (c + 1) * kParallelGrain));
}

// Calls f(begin, end) over row ranges of [0, rows) (rows of n elements), one range per thread
// when the work is large; a row is never split, so per-row results do not depend on the threads.
template <class F>
void parallel_rows(int64_t rows, int64_t n, F&& f) {
  if (rows * n < kParallelGrain || rows < 2) {
    if (rows > 0) f(int64_t{0}, rows);
    return;
  }
#pragma omp parallel num_threads(cpu::get_num_threads())
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t r0 = rows * t / nt, r1 = rows * (t + 1) / nt;
    if (r1 > r0) f(r0, r1);
  }
}

// Copies src (broadcast to dst's shape, any strides, any dtype) into dst's memory.
void copy_into(const Tensor& dst, const Tensor& src);
// x when contiguous, else a contiguous copy (no graph).
Tensor materialize(const Tensor& x);
// Raw views without graph (used by forward passes and vjps).
Tensor raw_expand(const Tensor& x, const Shape& shape);
Tensor raw_select(const Tensor& x, int64_t dim, int64_t index);
Tensor raw_slice(const Tensor& x, int64_t dim, int64_t start, int64_t stop, int64_t step);
// For ops with floating-point kernels only: TypeError naming `op` for an integer or bool operand
// (undefined tensors are skipped), else the promoted dtype of the operands.
DType floating_dtype(const char* op, std::initializer_list<Tensor> operands);
// x itself when floating-point, else x converted to the default float dtype: the input of ops
// that PyTorch computes in floating point for integer input (exp, log, /, ...).
Tensor to_floating(const Tensor& x);
// Checks that in-place writes to t are allowed (not a tensor that needs its graph).
void check_inplace(const Tensor& t, const char* op);

}  // namespace varbayes::detail
