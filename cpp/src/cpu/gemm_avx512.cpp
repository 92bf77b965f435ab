// AVX-512 GEMM: 24 of the 32 zmm registers hold an 8 x 3-vector accumulator tile (8 rows divide
// the usual batch sizes, 48 columns divide 1200); measured on Zen 5 against 14x2 and 6x4. A large
// KC pays (fewer passes over C); the MC x KC A block (~450 KB) stays in the 1 MiB L2 and the
// KC x NC B block (~7 MB per thread) in the shared 32 MiB L3.
#include <immintrin.h>

#include "cpu/gemm_impl.h"

namespace varbayes::cpu::avx512 {

namespace {
struct VecF32 {
  using T = float;
  using R = __m512;
  static constexpr int W = 16;
  static R zero() { return _mm512_setzero_ps(); }
  static R load(const T* p) { return _mm512_loadu_ps(p); }
  static void store(T* p, R v) { _mm512_storeu_ps(p, v); }
  static R bcast(const T* p) { return _mm512_set1_ps(*p); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  // maskz form: gcc 12's plain _mm512_max_ps trips a false -Wmaybe-uninitialized in its header.
  static R max(R a, R b) { return _mm512_maskz_max_ps(__mmask16(0xffff), a, b); }
};
struct VecF64 {
  using T = double;
  using R = __m512d;
  static constexpr int W = 8;
  static R zero() { return _mm512_setzero_pd(); }
  static R load(const T* p) { return _mm512_loadu_pd(p); }
  static void store(T* p, R v) { _mm512_storeu_pd(p, v); }
  static R bcast(const T* p) { return _mm512_set1_pd(*p); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
  static R add(R a, R b) { return _mm512_add_pd(a, b); }
  static R max(R a, R b) { return _mm512_maskz_max_pd(__mmask8(0xff), a, b); }
};
}  // namespace

void gemm_f32(const GemmArgs<float>& g) { Gemm<GemmConfig<VecF32, 8, 3, 144, 800, 2400>>::run(g); }
void gemm_f64(const GemmArgs<double>& g) { Gemm<GemmConfig<VecF64, 8, 3, 144, 384, 2400>>::run(g); }

}  // namespace varbayes::cpu::avx512
