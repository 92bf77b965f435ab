// Elementwise kernels for the scalar level (see elementwise_impl.h).
#include <algorithm>
#include <cmath>

#include "cpu/kernels.h"

namespace varbayes::cpu::scalar {
#include "cpu/elementwise_impl.h"
}  // namespace varbayes::cpu::scalar
