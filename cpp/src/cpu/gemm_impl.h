// Shared GEMM machinery included by gemm_<isa>.cpp: the plain reference loop (scalar kernel and
// small-problem path) and a BLIS-style packed, cache-blocked, register-blocked driver.
// Everything sits in an anonymous namespace: each ISA file instantiates these templates under
// different -m flags, and internal linkage keeps the linker from merging the variants (ODR).
#pragma once

#include <omp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <utility>

#include "cpu/kernels.h"

namespace varbayes::cpu {
namespace {

constexpr int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Bias then ReLU, written so NaN propagates like the vector max(0, v) used in the micro-kernel.
template <class T>
inline T epilogue(T v, const T* bias, int64_t j, bool relu) {
  if (bias) v += bias[j];
  return relu && v < T(0) ? T(0) : v;
}

// Reference GEMM: row by row, C row accumulated in place over k (i-k-j order keeps the inner
// loop contiguous in C). beta == 0 overwrites C without reading it; any other beta accumulates.
template <class T>
void simple_gemm(const GemmArgs<T>& g, bool parallel) {
  const auto row = [&g](int64_t i) {
    T* c = g.C + i * g.ldc;
    if (g.beta == T(0)) std::fill_n(c, g.N, T(0));
    for (int64_t k = 0; k < g.K; ++k) {
      const T a = g.A[i * g.a_row_stride + k * g.a_col_stride];
      const T* b = g.B + k * g.b_row_stride;
      if (g.b_col_stride == 1) {  // the common case, spelled out so it vectorizes
        for (int64_t j = 0; j < g.N; ++j) c[j] += a * b[j];
      } else {
        for (int64_t j = 0; j < g.N; ++j) c[j] += a * b[j * g.b_col_stride];
      }
    }
    for (int64_t j = 0; j < g.N; ++j) c[j] = epilogue(c[j], g.bias, j, g.relu);
  };
  if (parallel) {
#pragma omp parallel for schedule(static) num_threads(get_num_threads())
    for (int64_t i = 0; i < g.M; ++i) row(i);
  } else {
    for (int64_t i = 0; i < g.M; ++i) row(i);
  }
}

// Grow-only 64-byte aligned scratch, one per thread per ISA translation unit, so packing never
// allocates in steady state.
class ScratchBuffer {
 public:
  ScratchBuffer() = default;
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;
  ~ScratchBuffer() { std::free(ptr_); }
  template <class T>
  T* get(int64_t count) {
    const size_t bytes = static_cast<size_t>(ceil_div(count * int64_t(sizeof(T)), 64) * 64);
    if (bytes > size_) {
      std::free(ptr_);
      ptr_ = std::aligned_alloc(64, bytes);
      size_ = ptr_ ? bytes : 0;
    }
    return static_cast<T*>(ptr_);
  }

 private:
  void* ptr_ = nullptr;
  size_t size_ = 0;
};

// Packs a kc x w slice into a W-wide panel, dst[k*W + x] = src[x*sx + k*sk], zero-padding
// x in [w, W) so the micro-kernel always runs a full tile. The loop order follows the unit
// stride of the source; this is how transposed and sliced operands are handled without copies.
// A transposed source (x @ W^T's weight) goes through Vec::transpose_block where the ISA has one:
// element by element it took 40% of a 128x784x1200 product on a Xeon.
template <class Vec, int W>
void pack_panel(const typename Vec::T* src, int64_t sx, int64_t sk, int w, int64_t kc,
                typename Vec::T* __restrict dst) {
  using T = typename Vec::T;
  if (sk == 1 && sx != 1) {
    int wb = 0;
    int64_t kb = 0;
    if constexpr (requires { &Vec::transpose_block; }) {
      wb = w / Vec::W * Vec::W, kb = kc / Vec::W * Vec::W;
      for (int64_t k0 = 0; k0 < kb; k0 += Vec::W)
        for (int x0 = 0; x0 < wb; x0 += Vec::W)
          Vec::transpose_block(src + x0 * sx + k0, sx, dst + k0 * W + x0, W);
    }
    for (int x = 0; x < w; ++x)
      for (int64_t k = x < wb ? kb : 0; k < kc; ++k) dst[k * W + x] = src[x * sx + k];
    for (int64_t k = 0; k < kc; ++k) std::fill(dst + k * W + w, dst + (k + 1) * W, T(0));
    return;
  }
  for (int64_t k = 0; k < kc; ++k, src += sk, dst += W) {
    if (sx == 1 && w == W) {
      for (int x = 0; x < W; ++x) dst[x] = src[x];
    } else {
      for (int x = 0; x < w; ++x) dst[x] = src[x * sx];
      std::fill(dst + w, dst + W, T(0));
    }
  }
}

// Vector traits Vec (T, R, W, zero/load/store/bcast/fma/add/max), the register tile
// MR x (NV * Vec::W) and the cache blocks: MC (A block, L2), KC (depth; the KC x NR B micro-panel
// stays in L1) and NC (B block, L3).
template <class Vec, int kMR, int kNV, int64_t kMC, int64_t kKC, int64_t kNC>
struct GemmConfig {
  using V = Vec;
  static constexpr int MR = kMR, NV = kNV;
  static constexpr int64_t MC = kMC, KC = kKC, NC = kNC;
};

template <class Cfg>
struct Gemm {
  using V = typename Cfg::V;
  using T = typename V::T;
  using R = typename V::R;
  static constexpr int MR = Cfg::MR, NV = Cfg::NV, NR = NV * V::W;
  static constexpr int64_t MC = Cfg::MC, KC = Cfg::KC, NC = Cfg::NC;
  static_assert(MC % MR == 0 && NC % NR == 0);

  // C tile (MR x NW*W, leading dim ldc) = (load_c ? C : 0) + Ap * Bp, then bias/ReLU if given.
  // NW < NV serves the last, narrower B panel (packed with row stride NR) without wasted FMAs.
  template <int NW>
  static void micro_kernel(int64_t kc, const T* __restrict a, const T* __restrict b, T* c,
                           int64_t ldc, bool load_c, const T* bias, bool relu) {
    R acc[MR][NW];
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      // Pull the C tile towards L1 for writing while the k loop runs (its rows are ldc apart).
#pragma GCC unroll 8
      for (int64_t x = 0; x < int64_t(NW * V::W * sizeof(T)); x += 64)
        __builtin_prefetch(reinterpret_cast<const char*>(c + i * ldc) + x, 1);
#pragma GCC unroll 4
      for (int j = 0; j < NW; ++j) acc[i][j] = V::zero();
    }
    for (int64_t k = 0; k < kc; ++k, a += MR, b += NR) {
      R bv[NW];
#pragma GCC unroll 4
      for (int j = 0; j < NW; ++j) bv[j] = V::load(b + j * V::W);
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        const R av = V::bcast(a + i);
#pragma GCC unroll 4
        for (int j = 0; j < NW; ++j) acc[i][j] = V::fma(av, bv[j], acc[i][j]);
      }
    }
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < NW; ++j) {
        T* cp = c + i * ldc + j * V::W;
        R r = acc[i][j];
        if (load_c) r = V::add(V::load(cp), r);
        if (bias) r = V::add(r, V::load(bias + j * V::W));
        if (relu) r = V::max(V::zero(), r);
        V::store(cp, r);
      }
  }

  using KernelFn = void (*)(int64_t, const T*, const T*, T*, int64_t, bool, const T*, bool);
  // kKernels[w - 1] handles panels w vectors wide.
  static constexpr auto kKernels = []<int... I>(std::integer_sequence<int, I...>) {
    return std::array<KernelFn, NV>{&micro_kernel<I + 1>...};
  }(std::make_integer_sequence<int, NV>{});

  // Computes C[m0:m1, n0:n1] on the calling thread with its own packing buffers.
  static void block(const GemmArgs<T>& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    // Even splits (rather than KC, KC, ..., remainder) avoid a thin, inefficient last block.
    const int64_t kc_max = ceil_div(g.K, ceil_div(g.K, KC));
    const int64_t mc_max = ceil_div(ceil_div(m1 - m0, ceil_div(m1 - m0, MC)), MR) * MR;
    const int64_t nc_max = std::min(NC, ceil_div(n1 - n0, NR) * NR);
    thread_local ScratchBuffer scratch;
    T* const bbuf = scratch.get<T>(kc_max * (nc_max + mc_max));
    if (!bbuf) {  // out of memory: still compute, unpacked (kernels do not throw)
      GemmArgs<T> sub = g;
      sub.M = m1 - m0, sub.N = n1 - n0;
      sub.A += m0 * g.a_row_stride, sub.B += n0 * g.b_col_stride, sub.C += m0 * g.ldc + n0;
      if (sub.bias) sub.bias += n0;
      return simple_gemm(sub, false);
    }
    T* const abuf = bbuf + kc_max * nc_max;
    alignas(64) T tmp[MR * NR];

    for (int64_t jc = n0; jc < n1; jc += nc_max) {
      const int64_t nc = std::min(nc_max, n1 - jc);
      for (int64_t pc = 0; pc < g.K; pc += kc_max) {
        const int64_t kc = std::min(kc_max, g.K - pc);
        const bool load_c = pc > 0 || g.beta != T(0);
        const bool last = pc + kc == g.K;
        const T* bias = last ? g.bias : nullptr;
        const bool relu = last && g.relu;
        for (int64_t jr = 0; jr < nc; jr += NR)
          pack_panel<V, NR>(g.B + pc * g.b_row_stride + (jc + jr) * g.b_col_stride, g.b_col_stride,
                            g.b_row_stride, int(std::min<int64_t>(NR, nc - jr)), kc, bbuf + jr * kc);
        for (int64_t ic = m0; ic < m1; ic += mc_max) {
          const int64_t mc = std::min(mc_max, m1 - ic);
          for (int64_t ir = 0; ir < mc; ir += MR)
            pack_panel<V, MR>(g.A + (ic + ir) * g.a_row_stride + pc * g.a_col_stride, g.a_row_stride,
                              g.a_col_stride, int(std::min<int64_t>(MR, mc - ir)), kc, abuf + ir * kc);
          for (int64_t jr = 0; jr < nc; jr += NR) {
            const int nr = int(std::min<int64_t>(NR, nc - jr));
            const int nw = int(ceil_div(nr, V::W));
            const KernelFn kernel = kKernels[nw - 1];
            const T* bias_j = bias ? bias + jc + jr : nullptr;
            for (int64_t ir = 0; ir < mc; ir += MR) {
              const int mr = int(std::min<int64_t>(MR, mc - ir));
              T* c = g.C + (ic + ir) * g.ldc + jc + jr;
              if (mr == MR && nr == nw * V::W) {
                kernel(kc, abuf + ir * kc, bbuf + jr * kc, c, g.ldc, load_c, bias_j, relu);
                continue;
              }
              // Ragged tile: product into tmp, then only the valid part reaches C.
              kernel(kc, abuf + ir * kc, bbuf + jr * kc, tmp, NR, false, nullptr, false);
              // Branches hoisted out of the loops: gcc if-converted them into masked loads of C,
              // which made a 40^3 product 6x slower on Zen 5.
              for (int i = 0; i < mr; ++i) {
                T* crow = c + i * g.ldc;
                const T* trow = tmp + i * NR;
                if (load_c) {
                  for (int j = 0; j < nr; ++j) crow[j] += trow[j];
                } else {
                  std::copy_n(trow, nr, crow);
                }
                if (bias_j || relu)
                  for (int j = 0; j < nr; ++j) crow[j] = epilogue(crow[j], bias_j, j, relu);
              }
            }
          }
        }
      }
    }
  }

  // Range idx of `total` split into `parts` nearly equal pieces aligned to `gran`.
  static std::pair<int64_t, int64_t> split(int64_t total, int parts, int idx, int gran) {
    const int64_t units = ceil_div(total, gran);
    return {std::min(total, units * idx / parts * gran),
            std::min(total, units * (idx + 1) / parts * gran)};
  }

  static void run(const GemmArgs<T>& g) {
    if (g.M <= 0 || g.N <= 0) return;
    const int64_t work = g.M * g.N * g.K;
    // Measured on Zen 5: packing pays off from about 16^3 on, except for one or two rows times a
    // row-major B, which the plain loop streams at memory speed (packing would waste MR - M rows).
    constexpr int64_t kSmallWork = 16 * 16 * 16, kWorkPerThread = 1 << 20;
    if (g.K == 0 || work < kSmallWork || (g.M <= 2 && g.b_col_stride == 1)) return simple_gemm(g, false);

    const int nt = int(std::clamp<int64_t>(work / kWorkPerThread, 1, get_num_threads()));
    // One thread: no parallel region, whose team setup costs more than a small product.
    if (nt == 1) return block(g, 0, g.M, 0, g.N);
    // Each thread owns a tm x tn grid cell of C (no shared K, so no reduction and results are
    // independent of the thread count); pick the grid with the least per-thread work, then the
    // smallest panel perimeter (packing traffic).
    int tm = 1;
    int64_t best_area = -1, best_perim = 0;
    for (int t = 1; t <= nt; ++t) {
      if (nt % t) continue;
      const int64_t mt = std::min(g.M, ceil_div(ceil_div(g.M, MR), t) * MR);
      const int64_t nn = std::min(g.N, ceil_div(ceil_div(g.N, NR), nt / t) * NR);
      if (best_area < 0 || mt * nn < best_area || (mt * nn == best_area && mt + nn < best_perim)) {
        best_area = mt * nn;
        best_perim = mt + nn;
        tm = t;
      }
    }
    const int tn = nt / tm;
#pragma omp parallel num_threads(nt)
    for (int t = omp_get_thread_num(); t < nt; t += omp_get_num_threads()) {
      const auto [m0, m1] = split(g.M, tm, t / tn, MR);
      const auto [n0, n1] = split(g.N, tn, t % tn, NR);
      if (m0 < m1 && n0 < n1) block(g, m0, m1, n0, n1);
    }
  }
};

}  // namespace
}  // namespace varbayes::cpu
