// Fused optimizer updates for the avx2 level (see optim_impl.h).
#include <algorithm>
#include <cmath>

#include "cpu/kernels.h"

namespace varbayes::cpu::avx2 {
#include "cpu/optim_impl.h"
}  // namespace varbayes::cpu::avx2
