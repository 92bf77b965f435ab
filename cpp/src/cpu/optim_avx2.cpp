// Fused optimizer updates for the avx2 level (see optim_impl.h).
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu/kernels.h"
#include "varbayes/random.h"

namespace varbayes::cpu::avx2 {
constexpr int kVectorBytes = 32;
#include "cpu/optim_impl.h"
}  // namespace varbayes::cpu::avx2
