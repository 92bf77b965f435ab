// Scalar GEMM: the portable fallback and the test oracle, so it stays the plain loop.
#include "cpu/gemm_impl.h"

namespace varbayes::cpu::scalar {

namespace {
template <class T>
void gemm(const GemmArgs<T>& g) {
  simple_gemm(g, g.M > 1 && g.M * g.N * g.K >= 1 << 20);
}
}  // namespace

void gemm_f32(const GemmArgs<float>& g) { gemm(g); }
void gemm_f64(const GemmArgs<double>& g) { gemm(g); }

}  // namespace varbayes::cpu::scalar
