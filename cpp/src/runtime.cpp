#include "varbayes/runtime.h"

#include "cpu/kernels.h"

namespace varbayes {

CpuInfo cpu_info() {
  const auto& f = cpu::cpu_features();
  return {cpu::isa_name(cpu::kernels().isa), cpu::isa_name(f.best()), f.names(), f.vendor, f.brand,
          cpu::get_num_threads()};
}

void set_num_threads(int n) { cpu::set_num_threads(n); }
int get_num_threads() { return cpu::get_num_threads(); }

}  // namespace varbayes
