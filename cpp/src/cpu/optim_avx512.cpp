// Fused optimizer updates for the avx512 level (see optim_impl.h).
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu/kernels.h"
#include "varbayes/random.h"

namespace varbayes::cpu::avx512 {
constexpr int kVectorBytes = 64;
#include "cpu/optim_impl.h"
}  // namespace varbayes::cpu::avx512
