// Run-time facts and settings: kernel ISA level, CPU features, threads.
#pragma once

#include <string>
#include <vector>

namespace varbayes {

struct CpuInfo {
  std::string isa;       // active kernel level: "scalar", "avx2" or "avx512"
  std::string best_isa;  // best level this CPU supports
  std::vector<std::string> features;
  std::string vendor, brand;
  int num_threads;
};
// What the kernels run on (VARBAYES_ISA may force a lower level).
CpuInfo cpu_info();
// Threads used by kernels (OpenMP), one count for the whole process (whichever thread sets it or
// runs kernels); n in [1, 16 x hardware threads (at least 64)].
void set_num_threads(int n);
int get_num_threads();

}  // namespace varbayes
