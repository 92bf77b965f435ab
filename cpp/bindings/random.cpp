// Random number generators and grad mode.
#include <pybind11/typing.h>

#include <memory>
#include <optional>
#include <thread>

#include "bindings.h"

namespace varbayes::bind {

namespace {

// A GeneratorScope as a Python context manager: entered and exited by one thread, and holding the
// generator so it outlives the scope.
class PyGeneratorScope {
 public:
  explicit PyGeneratorScope(py::object generator) : generator_(std::move(generator)) {}
  void enter() {
    if (scope_) fail<RuntimeError>("generator_scope: already entered (make one per with-block)");
    scope_.emplace(generator_.cast<Generator&>());
    thread_ = std::this_thread::get_id();
  }
  void exit() {
    if (!scope_) fail<RuntimeError>("generator_scope: exited without being entered");
    if (thread_ != std::this_thread::get_id())
      fail<RuntimeError>("generator_scope: exited in another thread than the one that entered it");
    scope_.reset();
  }

 private:
  py::object generator_;
  std::optional<GeneratorScope> scope_;
  std::thread::id thread_;
};

}  // namespace

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
  py::class_<PyGeneratorScope>(
      m, "generator_scope",
      "Context manager: inside ``with vb.generator_scope(g):`` every draw of this thread that names no\n"
      "generator (layer initialisation, Bayesian sampling, dropout, randn, SGLD's default seed) comes\n"
      "from g instead of the shared default generator, so threads working at the same time each get\n"
      "reproducible draws. Scopes nest; the scope affects only the thread that entered it.\n\n"
      "Parameters\n----------\ngenerator : Generator\n    The generator to draw from.")
      .def(py::init([](const py::object& generator) {
        if (!py::isinstance<Generator>(generator))
          fail<TypeError>("generator_scope: expected a vb.Generator, got ", type_name(generator));
        return std::make_unique<PyGeneratorScope>(generator);
      }), py::arg("generator"))
      .def("__enter__", [](PyGeneratorScope& s) { s.enter(); })
      .def("__exit__", [](PyGeneratorScope& s, const py::args&) { s.exit(); });
  m.def("default_generator", &default_generator, py::return_value_policy::reference,
        "The process-wide generator used when none is given.");
  m.def("is_grad_enabled", &grad_enabled, "Whether ops record the autograd graph in this thread.");
  m.def("set_grad_enabled", &set_grad_enabled, py::arg("mode"), "Turns graph recording on or off in this thread.");
}

}  // namespace varbayes::bind
