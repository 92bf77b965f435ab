// Checkpoints used as a C++ user would: save and load_module round trips (shared priors stay
// shared, outputs stay bit-identical), atomic writes, and the refusal of foreign, truncated,
// corrupted or malformed files and of module types C++ cannot build. Also the internal SHA-256
// (FIPS 180-4 test vectors) and JSON reader/writer the format rests on.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include "json.h"
#include "sha256.h"
#include "test_util.h"

using namespace varbayes;
namespace fs = std::filesystem;
using ModulePtr = std::shared_ptr<nn::Module>;

namespace {

// A fresh directory, removed with everything in it at the end of the test.
struct TempDir {
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("varbayes-checkpoint-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
  fs::path path;
};

std::string hex(const detail::Sha256::Digest& d) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : d) out += {digits[b >> 4], digits[b & 15]};
  return out;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

// A file in the checkpoint layout with a valid checksum around the given header and array bytes,
// so the checks behind the checksum can be reached.
void write_checkpoint(const std::string& path, const std::string& header, const std::string& blob = "",
                      uint32_t version = 1, uint64_t header_size = 0) {
  if (header_size == 0) header_size = header.size();
  std::string body = "VARBAYES";
  body.append(reinterpret_cast<const char*>(&version), sizeof version);
  body.append(reinterpret_cast<const char*>(&header_size), sizeof header_size);
  body += header + blob;
  const auto digest = detail::sha256(body);
  write_bytes(path, body + std::string(digest.begin(), digest.end()));
}

// The message of the E that f throws (the test fails if f throws nothing, or another type escapes).
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("expected an exception");
  return "";
}

void require_same_state(nn::Module& a, nn::Module& b) {
  const nn::NamedTensors sa = a.state_dict(), sb = b.state_dict();
  REQUIRE(sa.size() == sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    INFO(sa[i].first);
    REQUIRE(sa[i].first == sb[i].first);
    REQUIRE(sa[i].second.dtype() == sb[i].second.dtype());
    REQUIRE(sa[i].second.shape() == sb[i].second.shape());
    const Tensor x = contiguous(sa[i].second), y = contiguous(sb[i].second);
    REQUIRE(std::memcmp(x.data_ptr(), y.data_ptr(), x.numel() * itemsize(x.dtype())) == 0);
  }
}

void require_bitwise_equal(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  const std::vector<double> va = vbtest::values(a), vb = vbtest::values(b);
  for (size_t i = 0; i < va.size(); ++i) REQUIRE(va[i] == vb[i]);
}

// Moves every parameter and buffer off its initial value, so a load that kept defaults is caught.
void perturb(nn::Module& m) {
  NoGradGuard no_grad;
  int i = 0;
  for (auto& [name, t] : m.state_dict()) {
    Tensor alias = t;
    copy_(alias, t + 0.01 * ++i);
  }
}

// A BNN whose two Bayesian layers (both estimators) share one trainable prior.
std::shared_ptr<nn::Sequential> bnn(const std::shared_ptr<nn::NormalPrior>& prior) {
  return std::make_shared<nn::Sequential>(std::vector<ModulePtr>{
      std::make_shared<nn::BayesLinear>(2, 6, true, prior), std::make_shared<nn::Tanh>(),
      std::make_shared<nn::Dropout>(0.25), std::make_shared<nn::BayesLinearLRT>(6, 3, true, prior),
      std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(3, 2)});
}

// The header of a file holding one module entry (and no arrays unless given).
std::string header_with(const std::string& object, const std::string& arrays = "[]") {
  return R"({"format": "varbayes-checkpoint", "object": )" + object + R"(, "arrays": )" + arrays + "}";
}

}  // namespace

TEST_CASE("SHA-256 matches the FIPS 180-4 test vectors", "[checkpoint][sha256]") {
  CHECK(hex(detail::sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex(detail::sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex(detail::sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(hex(detail::sha256(
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnop"
            "qrlmnopqrsmnopqrstnopqrstu")) ==
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  // One million 'a', fed in pieces that straddle the 64-byte blocks.
  detail::Sha256 h;
  const std::string piece(7, 'a');
  for (int i = 0; i < 1000000 / 7; ++i) h.update(piece.data(), piece.size());
  h.update(piece.data(), 1000000 % 7);
  CHECK(hex(h.finish()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("SHA-256 gives the same digest however the message is split", "[checkpoint][sha256]") {
  // Every length around the padding boundaries (55, 56, 64 bytes), split at every position.
  std::string msg;
  for (int n = 0; n < 130; ++n) {
    const auto whole = detail::sha256(msg);
    for (size_t cut = 0; cut <= msg.size(); cut += 9) {
      detail::Sha256 h;
      h.update(msg.data(), cut);
      h.update(msg.data() + cut, msg.size() - cut);
      INFO("length " << n << ", split at " << cut);
      REQUIRE(h.finish() == whole);
    }
    msg += static_cast<char>('A' + n % 26);
  }
}

TEST_CASE("the JSON reader and writer round-trip values and reject malformed text", "[checkpoint][json]") {
  const std::string text =
      R"({"a": [1, -2, 0.5, 1e-300, true, false, null, "q\"b\\n\n\u00e9\ud83d\ude00/"], "b": {}, "c": []})";
  const json::Value v = json::parse(text);
  CHECK(v.at("a").as_array("a")[7].as_string("s") == "q\"b\\n\n\xc3\xa9\xf0\x9f\x98\x80/");
  CHECK(v.at("a").as_array("a")[3].as_number("x") == 1e-300);
  CHECK(json::dump(json::parse(json::dump(v))) == json::dump(v));

  // Floats read back exactly; whole floats keep a ".0" so Python does not read them as ints.
  for (double d : {0.1 + 0.2, 1.0 / 3.0, 5e-324, 1.7976931348623157e308, -0.0, 1e22})
    CHECK(json::parse(json::dump(d)).as_number("d") == d);
  CHECK(json::dump(1.0) == "1.0");
  CHECK(json::dump(0.25) == "0.25");
  // Python's json module writes and reads these for non-finite floats.
  CHECK(json::dump(HUGE_VAL) == "Infinity");
  CHECK(std::isnan(json::parse("NaN").as_number("x")));
  CHECK(json::parse("-Infinity").as_number("x") == -HUGE_VAL);
  CHECK(json::dump(json::Value(json::Value::Object{{"k", "\x01"}})) == R"({"k": "\u0001"})");

  for (const std::string& bad :
       std::vector<std::string>{"", "{", "[1,]", R"({"a" 1})", "01", R"("\x")", R"("open)", "1.", "-", "tru",
                                "99999999999999999999", std::string(2000, '[') + std::string(2000, ']')}) {
    INFO(bad);
    CHECK_THROWS_AS(json::parse(bad), ValueError);
  }
  CHECK_THAT(message_of<ValueError>([] { json::parse(R"({"a": 1)"); }), Catch::Contains("at byte 7"));
  CHECK_THAT(message_of<ValueError>([] { json::parse("1").as_string("the name"); }),
             Catch::Contains("the name should be a string, not an integer"));
}

TEST_CASE("a Bayesian network round-trips through a checkpoint in C++", "[checkpoint]") {
  TempDir dir;
  auto prior = std::make_shared<nn::NormalPrior>(0.0, 1.0, /*trainable=*/true);
  auto model = bnn(prior);
  perturb(*model);
  std::static_pointer_cast<nn::BayesLinear>(model->at(3))->sample = false;
  const std::string path = dir.file("bnn.vb");
  save(model, path);

  const ModulePtr loaded = load_module(path);
  auto seq = std::dynamic_pointer_cast<nn::Sequential>(loaded);
  REQUIRE(seq);
  REQUIRE(seq->size() == 6);
  require_same_state(*model, *loaded);
  CHECK(loaded->parameters().size() == model->parameters().size());

  // One prior object, reached from both layers and from both prior slots of each.
  auto first = std::dynamic_pointer_cast<nn::BayesLinear>(seq->at(0));
  auto lrt = std::dynamic_pointer_cast<nn::BayesLinearLRT>(seq->at(3));
  REQUIRE(first);
  REQUIRE(lrt);
  CHECK(first->find_module("weight_prior") == lrt->find_module("bias_prior"));
  CHECK(first->find_module("weight_prior") == first->find_module("bias_prior"));
  CHECK(std::dynamic_pointer_cast<nn::NormalPrior>(first->find_module("weight_prior"))->trainable());
  CHECK(first->sample);
  CHECK_FALSE(lrt->sample);
  CHECK(std::dynamic_pointer_cast<nn::Dropout>(seq->at(2))->p == 0.25);

  const Tensor x = vbtest::randn64({5, 2}, 3);
  const Tensor x32 = to_dtype(x, DType::float32);
  CHECK(loaded->is_training());
  // Posterior means, and no dropout in eval mode: deterministic.
  nn::set_sampling_enabled(false);
  model->eval();
  loaded->eval();
  require_bitwise_equal((*model)(x32), (*loaded)(x32));
  nn::set_sampling_enabled(true);
  model->train();
  loaded->train();
  // Sampling (weights, pre-activations and dropout) draws the same numbers from the same seed.
  manual_seed(11);
  const Tensor a = (*model)(x32);
  manual_seed(11);
  require_bitwise_equal(a, (*loaded)(x32));
  require_bitwise_equal(nn::kl(*model), nn::kl(*loaded));
}

TEST_CASE("float64, fixed per-weight priors, biasless layers, eval mode and every activation round-trip",
          "[checkpoint]") {
  TempDir dir;
  auto prior = std::make_shared<nn::NormalPrior>(vbtest::randn64({4, 3}, 1), vbtest::positive64({4, 3}, 2));
  auto bias_prior = std::make_shared<nn::NormalPrior>(0.5, 2.0);
  auto layer = std::make_shared<nn::BayesLinear>(3, 4, true, nullptr, -4.0, DType::float64);
  layer->set_prior(prior, bias_prior);
  auto model = std::make_shared<nn::Sequential>(
      std::vector<ModulePtr>{std::make_shared<nn::Linear>(2, 3, false, DType::float64),
                             std::make_shared<nn::Sigmoid>(), layer, std::make_shared<nn::Softplus>(),
                             std::make_shared<nn::BayesLinearLRT>(4, 2, false, nullptr, -3.0, DType::float64),
                             std::make_shared<nn::Identity>()});
  perturb(*model);
  model->eval();
  save(model, dir.file("m.vb"));
  const ModulePtr loaded = load_module(dir.file("m.vb"));
  require_same_state(*model, *loaded);
  CHECK_FALSE(loaded->is_training());
  auto seq = std::static_pointer_cast<nn::Sequential>(loaded);
  auto bl = std::dynamic_pointer_cast<nn::BayesLinear>(seq->at(2));
  REQUIRE(bl);
  CHECK(bl->find_module("weight_prior") != bl->find_module("bias_prior"));
  CHECK_FALSE(std::dynamic_pointer_cast<nn::NormalPrior>(bl->find_module("weight_prior"))->trainable());
  CHECK_FALSE(seq->at(0)->param("bias").defined());
  manual_seed(5);
  const Tensor a = (*model)(vbtest::randn64({3, 2}, 4));
  manual_seed(5);
  require_bitwise_equal(a, (*loaded)(vbtest::randn64({3, 2}, 4)));
}

TEST_CASE("save replaces files atomically and leaves no temporary file", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.file("model.vb");
  save(std::make_shared<nn::Linear>(2, 3), path);
  auto second = std::make_shared<nn::Linear>(4, 1);
  save(second, path);
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
  require_same_state(*second, *load_module(path));

  const std::string missing = dir.file("no/such/dir/model.vb");
  CHECK_THAT(message_of<RuntimeError>([&] { save(second, missing); }), Catch::Contains("does not exist"));
  // A module that cannot be saved fails before anything is written.
  struct Custom : nn::Module {};
  CHECK_THROWS_AS(save(std::make_shared<Custom>(), dir.file("custom.vb")), TypeError);
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
}

TEST_CASE("foreign, truncated and corrupted files are refused with a ValueError", "[checkpoint]") {
  TempDir dir;
  const std::string good = dir.file("good.vb"), bad = dir.file("bad.vb");
  save(bnn(std::make_shared<nn::NormalPrior>()), good);
  const std::string data = read_bytes(good);
  auto refusal = [&](const std::string& content) {
    write_bytes(bad, content);
    return message_of<ValueError>([&] { load_module(bad); });
  };

  CHECK_THAT(refusal("\x89PNG\r\n\x1a\n not a checkpoint at all, but long enough to have a digest"),
             Catch::Contains("is not a varbayes checkpoint (bad magic or too short)"));
  CHECK_THAT(refusal(data.substr(0, 30)), Catch::Contains("not a varbayes checkpoint"));
  CHECK_THAT(refusal(""), Catch::Contains("not a varbayes checkpoint"));
  CHECK_THAT(refusal(data.substr(0, data.size() - 40)), Catch::Contains("truncated"));
  CHECK_THAT(refusal(data.substr(0, data.size() / 2)), Catch::Contains("truncated"));
  std::string flipped = data;
  flipped[data.size() - 100] ^= 1;  // inside the array bytes
  CHECK_THAT(refusal(flipped), Catch::Contains("corrupted or truncated (checksum mismatch)"));
  std::string newer = data;
  newer[8] = 2;
  CHECK_THAT(refusal(newer), Catch::Contains("has format version 2; this varbayes reads up to 1"));
  CHECK_THAT(refusal(flipped), Catch::Contains(bad));  // messages name the file...
  CHECK_THAT(message_of<RuntimeError>([&] { load_module(dir.file("absent.vb")); }),
             Catch::Contains("does not exist"));
  REQUIRE_NOTHROW(load_module(good));  // ...and the untouched file still loads.
}

TEST_CASE("malformed headers behind a valid checksum are refused with a clear ValueError", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.file("crafted.vb");
  auto refusal = [&](const std::string& header, const std::string& blob = "", uint64_t header_size = 0) {
    write_checkpoint(path, header, blob, 1, header_size);
    return message_of<ValueError>([&] { load_module(path); });
  };
  const std::string linear_state = R"("state": {"weight": {"__array__": 0}})";
  auto linear = [&](const std::string& config) {
    return R"({"__module__": "varbayes._core.Linear", "id": 1, "config": )" + config +
           R"(, "training": true, "children": [], )" + linear_state + "}";
  };
  auto in_sequential = [](const std::string& child) {
    return R"({"__module__": "varbayes._core.Sequential", "id": 0, "config": {}, "training": true, "children": [["0", )" +
           child + R"(]], "state": {}})";
  };
  const std::string good_config =
      R"({"in_features": 1, "out_features": 1, "bias": false, "dtype": "float32"})";
  const std::string f4 = R"([{"dtype": "<f4", "shape": [1, 1], "offset": 0, "nbytes": 4}])";
  const std::string weight(4, '\0');

  write_checkpoint(path, header_with(in_sequential(linear(good_config)), f4), weight);
  REQUIRE_NOTHROW(load_module(path));  // the crafted layout itself is valid

  CHECK_THAT(refusal(header_with("{}"), "", 1000),
             Catch::Contains("truncated (header of 1000 bytes does not fit)"));
  CHECK_THAT(refusal("{\"object\": "), Catch::Contains("invalid JSON at byte"));
  CHECK_THAT(refusal(header_with(R"({"__dict__": []})")),
             Catch::Contains("the saved object is not a module"));
  CHECK_THAT(refusal(header_with(in_sequential(linear(good_config)),
                                 R"([{"dtype": "<f4", "shape": [1, 1], "offset": 2, "nbytes": 4}])"),
                     weight),
             Catch::Contains("array 0 entry out of bounds"));
  CHECK_THAT(refusal(header_with(in_sequential(linear(good_config)),
                                 R"([{"dtype": "<i4", "shape": [1, 1], "offset": 0, "nbytes": 4}])"),
                     weight),
             Catch::Contains("array 0 has dtype '<i4'"));
  CHECK_THAT(
      refusal(header_with(
                  in_sequential(linear(R"({"in_features": 1, "out_features": 1, "dtype": "float32"})")), f4),
              weight),
      Catch::Contains("missing key 'bias' (in the module at '0')"));
  CHECK_THAT(
      refusal(header_with(in_sequential(linear(R"({"in_features": "1", "out_features": 1, "bias": false,
                                                          "dtype": "float32"})")),
                          f4),
              weight),
      Catch::Contains("config 'in_features' should be an integer, not a string"));
  // A layer saved with a different shape than its config: load_state_dict's shape check names it.
  CHECK_THAT(refusal(header_with(in_sequential(linear(R"({"in_features": 2, "out_features": 1, "bias": false,
                                                          "dtype": "float32"})")),
                                 f4),
                     weight),
             Catch::Contains("'weight' has shape [1, 1] in the state, [1, 2] in the module"));
  CHECK_THAT(refusal(header_with(in_sequential(R"({"__module_ref__": 0})"))),
             Catch::Contains("module id 0 is referenced from inside itself"));
  CHECK_THAT(refusal(header_with(in_sequential(R"({"__module_ref__": 5})"))),
             Catch::Contains("reference to module id 5, which is not defined before it"));
}

TEST_CASE("module types C++ cannot build or save are refused by name", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.file("m.vb");
  // A module defined in Python (io.py's GaussianHead) loads only in Python.
  write_checkpoint(path,
                   header_with(R"({"__module__": "varbayes.nn.bayes.GaussianHead", "id": 0, "config": {},
                                        "training": true, "children": [], "state": {}})"));
  const std::string msg = message_of<ValueError>([&] { load_module(path); });
  CHECK_THAT(msg, Catch::Contains("unknown module type 'varbayes.nn.bayes.GaussianHead'"));
  CHECK_THAT(msg, Catch::Contains("varbayes._core.BayesLinearLRT"));

  // A user's module type, and a subclass of a built-in one (which would otherwise load as its base).
  struct Custom : nn::Module {
    std::string type_name() const override { return "Custom"; }
  };
  struct MyLinear : nn::Linear {
    MyLinear() : nn::Linear(2, 2) {}
    std::string type_name() const override { return "MyLinear"; }
  };
  for (const ModulePtr& m :
       std::vector<ModulePtr>{std::make_shared<Custom>(), std::make_shared<MyLinear>()}) {
    auto model = std::make_shared<nn::Sequential>(std::vector<ModulePtr>{std::make_shared<nn::Tanh>(), m});
    CHECK_THAT(message_of<TypeError>([&] { save(model, path); }),
               Catch::Contains("cannot save the module at '1' of type " + m->type_name()));
  }

  // The format has no place for a parameter a built-in type does not create itself: such a file
  // cannot be rebuilt (in Python either), and the error names the parameter.
  auto extra = std::make_shared<nn::Sequential>(std::vector<ModulePtr>{std::make_shared<nn::Tanh>()});
  extra->register_parameter("noise_rho", scalar_tensor(0.3));
  save(extra, path);
  CHECK_THAT(message_of<ValueError>([&] { load_module(path); }), Catch::Contains("Unexpected: noise_rho"));
}
