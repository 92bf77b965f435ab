#include "varbayes/runtime.h"

#include <pthread.h>

#include "cpu/kernels.h"

namespace varbayes {

namespace {
// OpenMP's thread pool does not survive fork(): a child entering a parallel region would wait
// forever for threads that do not exist. Forked children (multiprocessing's default on Linux)
// therefore run kernels on one thread; set_num_threads can raise it again in the child.
const bool fork_handler_installed = [] {
  return pthread_atfork(nullptr, nullptr, [] { cpu::set_num_threads(1); }) == 0;
}();
}  // namespace

CpuInfo cpu_info() {
  const auto& f = cpu::cpu_features();
  return {cpu::isa_name(cpu::kernels().isa), cpu::isa_name(f.best()), f.names(), f.vendor, f.brand,
          cpu::get_num_threads()};
}

void set_num_threads(int n) { cpu::set_num_threads(n); }
int get_num_threads() { return cpu::get_num_threads(); }

}  // namespace varbayes
