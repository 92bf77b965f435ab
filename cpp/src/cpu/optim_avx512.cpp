// Fused optimizer updates for the avx512 level (see optim_impl.h).
#include <algorithm>
#include <cmath>

#include "cpu/kernels.h"

namespace varbayes::cpu::avx512 {
#include "cpu/optim_impl.h"
}  // namespace varbayes::cpu::avx512
