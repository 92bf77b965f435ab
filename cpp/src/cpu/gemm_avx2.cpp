// AVX2 GEMM: 12 of the 16 ymm registers hold a 6 x 2-vector accumulator tile, the rest the B row
// and the A broadcast (the classic Haswell shape; it reaches the ymm FMA peak on Zen 5).
#include <immintrin.h>

#include "cpu/gemm_impl.h"

namespace varbayes::cpu::avx2 {

namespace {
struct VecF32 {
  using T = float;
  using R = __m256;
  static constexpr int W = 8;
  static R zero() { return _mm256_setzero_ps(); }
  static R load(const T* p) { return _mm256_loadu_ps(p); }
  static void store(T* p, R v) { _mm256_storeu_ps(p, v); }
  static R bcast(const T* p) { return _mm256_set1_ps(*p); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
  static R max(R a, R b) { return _mm256_max_ps(a, b); }
};
struct VecF64 {
  using T = double;
  using R = __m256d;
  static constexpr int W = 4;
  static R zero() { return _mm256_setzero_pd(); }
  static R load(const T* p) { return _mm256_loadu_pd(p); }
  static void store(T* p, R v) { _mm256_storeu_pd(p, v); }
  static R bcast(const T* p) { return _mm256_set1_pd(*p); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_pd(a, b, c); }
  static R add(R a, R b) { return _mm256_add_pd(a, b); }
  static R max(R a, R b) { return _mm256_max_pd(a, b); }
};
}  // namespace

void gemm_f32(const GemmArgs<float>& g) { Gemm<GemmConfig<VecF32, 6, 2, 144, 256, 4800>>::run(g); }
void gemm_f64(const GemmArgs<double>& g) { Gemm<GemmConfig<VecF64, 6, 2, 120, 256, 2048>>::run(g); }

}  // namespace varbayes::cpu::avx2
