// Random number generators and grad mode.
#include <pybind11/typing.h>

#include "bindings.h"

namespace varbayes::bind {

void init_random(py::module_& m) {
  py::class_<Generator>(m, "Generator",
                        "Counter-based (Philox4x32-10) generator: draws depend only on the seed and how many "
                        "values were drawn before, never on the thread count.")
      .def(py::init([](Seed seed) { return std::make_unique<Generator>(seed.value); }), py::arg("seed") = Seed{0})
      .def("manual_seed", [](Generator& g, Seed s) -> Generator& { g.manual_seed(s.value); return g; },
           py::arg("seed"), "Resets the generator to the start of the stream for seed.")
      .def("initial_seed", &Generator::seed, "The seed.")
      .def_property("offset", &Generator::offset,
                    [](Generator& g, py::handle offset) { g.set_offset(parse_uint64(offset, "offset")); },
                    "Number of Philox blocks used so far (settable, to replay a stream).")
      .def("get_state", [](const Generator& g) { return py::make_tuple(g.seed(), g.offset()); },
           "(seed, offset), enough to reproduce the stream.")
      .def("set_state", [](Generator& g, py::typing::Tuple<int, int> state) {
        if (state.size() != 2)
          fail<ValueError>("set_state: state must be the (seed, offset) pair of get_state(), got ", state.size(),
                           " values");
        const uint64_t seed = parse_uint64(state[0], "seed"), offset = parse_uint64(state[1], "offset");
        g.manual_seed(seed);
        g.set_offset(offset);
      }, py::arg("state"), "Restores a state from get_state().");
  m.def("manual_seed", [](Seed seed) { manual_seed(seed.value); }, py::arg("seed"), "Seeds the default generator.");
  m.def("default_generator", &default_generator, py::return_value_policy::reference,
        "The process-wide generator used when none is given.");
  m.def("is_grad_enabled", &grad_enabled, "Whether ops record the autograd graph in this thread.");
  m.def("set_grad_enabled", &set_grad_enabled, py::arg("mode"), "Turns graph recording on or off in this thread.");
}

}  // namespace varbayes::bind
