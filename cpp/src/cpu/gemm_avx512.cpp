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
  // dst[k * ldd + x] = src[x * lds + k] for x, k < 16, in registers.
  static void transpose_block(const T* src, int64_t lds, T* dst, int64_t ldd) {
    R r[16], t[16];
    for (int i = 0; i < 16; ++i) r[i] = load(src + i * lds);
    // 32-bit, then 64-bit interleaves: r[i + m] lane L (128 bits) = column 4L + m of rows i..i+3.
    for (int i = 0; i < 16; i += 2) {
      t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    const auto pd = [](R v) { return _mm512_castps_pd(v); };
    for (int i = 0; i < 16; i += 4) {
      r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(pd(t[i]), pd(t[i + 2])));
      r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(pd(t[i]), pd(t[i + 2])));
      r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(pd(t[i + 1]), pd(t[i + 3])));
      r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(pd(t[i + 1]), pd(t[i + 3])));
    }
    // 4 x 4 transpose of the lanes: row 4L + m is lane L of r[m], r[4 + m], r[8 + m], r[12 + m].
    for (int m = 0; m < 4; ++m) {
      const R c0 = _mm512_shuffle_f32x4(r[m], r[4 + m], 0x44);
      const R c1 = _mm512_shuffle_f32x4(r[m], r[4 + m], 0xEE);
      const R c2 = _mm512_shuffle_f32x4(r[8 + m], r[12 + m], 0x44);
      const R c3 = _mm512_shuffle_f32x4(r[8 + m], r[12 + m], 0xEE);
      store(dst + m * ldd, _mm512_shuffle_f32x4(c0, c2, 0x88));
      store(dst + (4 + m) * ldd, _mm512_shuffle_f32x4(c0, c2, 0xDD));
      store(dst + (8 + m) * ldd, _mm512_shuffle_f32x4(c1, c3, 0x88));
      store(dst + (12 + m) * ldd, _mm512_shuffle_f32x4(c1, c3, 0xDD));
    }
  }
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
  // dst[k * ldd + x] = src[x * lds + k] for x, k < 8, in registers.
  static void transpose_block(const T* src, int64_t lds, T* dst, int64_t ldd) {
    R r[8], t[8];
    for (int i = 0; i < 8; ++i) r[i] = load(src + i * lds);
    // t[i + m] lane L (128 bits) is column 2L + m of rows i, i + 1.
    for (int i = 0; i < 8; i += 2) {
      t[i] = _mm512_unpacklo_pd(r[i], r[i + 1]);
      t[i + 1] = _mm512_unpackhi_pd(r[i], r[i + 1]);
    }
    // 4 x 4 transpose of the lanes: row 2L + m is lane L of t[m], t[2 + m], t[4 + m], t[6 + m].
    for (int m = 0; m < 2; ++m) {
      const R c0 = _mm512_shuffle_f64x2(t[m], t[2 + m], 0x44);
      const R c1 = _mm512_shuffle_f64x2(t[m], t[2 + m], 0xEE);
      const R c2 = _mm512_shuffle_f64x2(t[4 + m], t[6 + m], 0x44);
      const R c3 = _mm512_shuffle_f64x2(t[4 + m], t[6 + m], 0xEE);
      store(dst + m * ldd, _mm512_shuffle_f64x2(c0, c2, 0x88));
      store(dst + (2 + m) * ldd, _mm512_shuffle_f64x2(c0, c2, 0xDD));
      store(dst + (4 + m) * ldd, _mm512_shuffle_f64x2(c1, c3, 0x88));
      store(dst + (6 + m) * ldd, _mm512_shuffle_f64x2(c1, c3, 0xDD));
    }
  }
};
}  // namespace

void gemm_f32(const GemmArgs<float>& g) { Gemm<GemmConfig<VecF32, 8, 3, 144, 800, 2400>>::run(g); }
void gemm_f64(const GemmArgs<double>& g) { Gemm<GemmConfig<VecF64, 8, 3, 144, 384, 2400>>::run(g); }

}  // namespace varbayes::cpu::avx512
