// CPU information and thread control.
#include "bindings.h"

namespace varbayes::bind {

void init_cpu(py::module_& m) {
  m.def(
      "cpu_info",
      [] {
        const CpuInfo c = varbayes::cpu_info();
        py::dict d;
        d["isa"] = c.isa;
        d["best_isa"] = c.best_isa;
        d["features"] = c.features;
        d["vendor"] = c.vendor;
        d["brand"] = c.brand;
        d["num_threads"] = c.num_threads;
        return d;
      },
      "Active kernel ISA level ('scalar', 'avx2', 'avx512'), the best the CPU supports, its features and "
      "the thread count.");
  m.def("set_num_threads", &set_num_threads, py::arg("n"),
        "Sets the number of threads used by kernels (n >= 1). Results do not depend on it beyond round-off.");
  m.def("get_num_threads", &get_num_threads, "Number of threads used by kernels.");
}

}  // namespace varbayes::bind
