// Elementwise kernels for the avx512 level (see elementwise_impl.h).
#include <algorithm>
#include <cmath>

#include "cpu/kernels.h"

namespace varbayes::cpu::avx512 {
#include "cpu/elementwise_impl.h"
}  // namespace varbayes::cpu::avx512
