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
  // dst[k * ldd + x] = src[x * lds + k] for x, k < 8, in registers.
  static void transpose_block(const T* src, int64_t lds, T* dst, int64_t ldd) {
    R r[8], t[8];
    for (int i = 0; i < 8; ++i) r[i] = load(src + i * lds);
    for (int i = 0; i < 8; i += 2) {
      t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    // r[i + m] lane L (128 bits) = column 4L + m of rows i..i+3.
    for (int i = 0; i < 8; i += 4) {
      r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
      r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
      r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
      r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int m = 0; m < 4; ++m) {
      store(dst + m * ldd, _mm256_permute2f128_ps(r[m], r[4 + m], 0x20));
      store(dst + (4 + m) * ldd, _mm256_permute2f128_ps(r[m], r[4 + m], 0x31));
    }
  }
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
  // dst[k * ldd + x] = src[x * lds + k] for x, k < 4, in registers.
  static void transpose_block(const T* src, int64_t lds, T* dst, int64_t ldd) {
    R r[4], t[4];
    for (int i = 0; i < 4; ++i) r[i] = load(src + i * lds);
    // t[i + m] lane L (128 bits) = column 2L + m of rows i, i + 1.
    for (int i = 0; i < 4; i += 2) {
      t[i] = _mm256_unpacklo_pd(r[i], r[i + 1]);
      t[i + 1] = _mm256_unpackhi_pd(r[i], r[i + 1]);
    }
    for (int m = 0; m < 2; ++m) {
      store(dst + m * ldd, _mm256_permute2f128_pd(t[m], t[2 + m], 0x20));
      store(dst + (2 + m) * ldd, _mm256_permute2f128_pd(t[m], t[2 + m], 0x31));
    }
  }
};
}  // namespace

void gemm_f32(const GemmArgs<float>& g) { Gemm<GemmConfig<VecF32, 6, 2, 144, 256, 4800>>::run(g); }
void gemm_f64(const GemmArgs<double>& g) { Gemm<GemmConfig<VecF64, 6, 2, 120, 256, 2048>>::run(g); }

}  // namespace varbayes::cpu::avx2
