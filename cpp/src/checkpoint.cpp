// Checkpoint reader and writer, compatible both ways with python/varbayes/io.py (the reference):
// the same layout, header entries, module type keys and configs, checks and messages.
#include "varbayes/checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <typeindex>

#include "json.h"
#include "sha256.h"
#include "varbayes/bayes.h"

namespace varbayes {

namespace {

// Arrays are stored little-endian and copied byte for byte.
static_assert(std::endian::native == std::endian::little, "checkpoint I/O assumes a little-endian host");

constexpr std::string_view kMagic = "VARBAYES";
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kPrefixSize = 8 + 4 + 8;  // magic, version, header length
constexpr size_t kDigestSize = 32;

using json::Value;
using ModulePtr = std::shared_ptr<nn::Module>;

// ---- module types: the Python type key, constructor arguments of a module, a module from them ----

struct ModuleType {
  std::type_index type;
  std::string key;  // the qualified Python class name, as io.py's _type_key
  std::function<Value(const nn::Module&)> config;
  std::function<ModulePtr(const Value&)> build;
};

int64_t config_int(const Value& c, const char* key) {
  return c.at(key).as_int(std::string("config '") + key + "'");
}
bool config_bool(const Value& c, const char* key) {
  return c.at(key).as_bool(std::string("config '") + key + "'");
}

DType config_dtype(const Value& c) {
  const std::string& name = c.at("dtype").as_string("config 'dtype'");
  if (name == "float32") return DType::float32;
  if (name == "float64") return DType::float64;
  fail<ValueError>("config 'dtype' is '", name, "'; expected 'float32' or 'float64'");
}

Value::Object linear_config(int64_t in, int64_t out, bool bias, DType dtype) {
  return {{"in_features", in}, {"out_features", out}, {"bias", bias}, {"dtype", dtype_name(dtype)}};
}

template <class M>
ModuleType parameter_free(const char* name) {
  return {typeid(M), std::string("varbayes._core.") + name,
          [](const nn::Module&) { return Value(Value::Object{}); },
          [](const Value&) -> ModulePtr { return std::make_shared<M>(); }};
}

// A module whose one constructor argument is the number `key` (its member Member).
template <class M, double M::*Member>
ModuleType one_number(const char* name, const char* key) {
  return {typeid(M), std::string("varbayes._core.") + name,
          [key](const nn::Module& m) { return Value(Value::Object{{key, static_cast<const M&>(m).*Member}}); },
          [key](const Value& c) -> ModulePtr {
            return std::make_shared<M>(c.at(key).as_number(std::string("config '") + key + "'"));
          }};
}

// dim is null in the config when the module has none.
template <class M>
ModuleType softmax_module(const char* name) {
  return {typeid(M), std::string("varbayes._core.") + name,
          [](const nn::Module& m) {
            const auto& dim = static_cast<const M&>(m).dim;
            return Value(Value::Object{{"dim", dim ? Value(*dim) : Value()}});
          },
          [](const Value& c) -> ModulePtr {
            const Value& dim = c.at("dim");
            return std::make_shared<M>(dim.is_null() ? std::nullopt
                                                     : std::optional<int64_t>(dim.as_int("config 'dim'")));
          }};
}

template <class Layer>
ModuleType bayes_linear(const char* name) {
  return {typeid(Layer), std::string("varbayes._core.") + name,
          [](const nn::Module& m) {
            const auto& l = static_cast<const Layer&>(m);
            const Tensor& w = l.param("weight_mu");
            Value::Object c =
                linear_config(l.in_features, l.out_features, l.param("bias_mu").defined(), w.dtype());
            c.emplace_back("sample", l.sample);
            return Value(std::move(c));
          },
          [](const Value& c) -> ModulePtr {
            auto l = std::make_shared<Layer>(config_int(c, "in_features"), config_int(c, "out_features"),
                                             config_bool(c, "bias"), nullptr, -5.0, config_dtype(c));
            l->sample = config_bool(c, "sample");
            return l;
          }};
}

const std::vector<ModuleType>& module_types() {
  static const std::vector<ModuleType> types = {
      parameter_free<nn::Sequential>("Sequential"),
      parameter_free<nn::ReLU>("ReLU"),
      parameter_free<nn::Tanh>("Tanh"),
      parameter_free<nn::Sigmoid>("Sigmoid"),
      parameter_free<nn::Softplus>("Softplus"),
      parameter_free<nn::Identity>("Identity"),
      parameter_free<nn::SiLU>("SiLU"),
      parameter_free<nn::Mish>("Mish"),
      parameter_free<nn::Softsign>("Softsign"),
      {typeid(nn::GELU), "varbayes._core.GELU",
       [](const nn::Module& m) {
         return Value(Value::Object{{"approximate", static_cast<const nn::GELU&>(m).approximate}});
       },
       [](const Value& c) -> ModulePtr {
         return std::make_shared<nn::GELU>(c.at("approximate").as_string("config 'approximate'"));
       }},
      one_number<nn::ELU, &nn::ELU::alpha>("ELU", "alpha"),
      one_number<nn::LeakyReLU, &nn::LeakyReLU::negative_slope>("LeakyReLU", "negative_slope"),
      {typeid(nn::Hardtanh), "varbayes._core.Hardtanh",
       [](const nn::Module& m) {
         const auto& h = static_cast<const nn::Hardtanh&>(m);
         return Value(Value::Object{{"min_val", h.min_val}, {"max_val", h.max_val}});
       },
       [](const Value& c) -> ModulePtr {
         return std::make_shared<nn::Hardtanh>(c.at("min_val").as_number("config 'min_val'"),
                                               c.at("max_val").as_number("config 'max_val'"));
       }},
      softmax_module<nn::Softmax>("Softmax"),
      softmax_module<nn::LogSoftmax>("LogSoftmax"),
      {typeid(nn::PReLU), "varbayes._core.PReLU",
       [](const nn::Module& m) {
         const auto& p = static_cast<const nn::PReLU&>(m);
         return Value(Value::Object{{"num_parameters", p.num_parameters},
                                    {"dtype", dtype_name(p.param("weight").dtype())}});
       },
       [](const Value& c) -> ModulePtr {
         // The weight is a placeholder: the saved state overwrites it.
         return std::make_shared<nn::PReLU>(config_int(c, "num_parameters"), 0.25, config_dtype(c));
       }},
      {typeid(nn::Dropout), "varbayes._core.Dropout",
       [](const nn::Module& m) {
         return Value(Value::Object{{"p", static_cast<const nn::Dropout&>(m).p}});
       },
       [](const Value& c) -> ModulePtr {
         return std::make_shared<nn::Dropout>(c.at("p").as_number("config 'p'"));
       }},
      {typeid(nn::Linear), "varbayes._core.Linear",
       [](const nn::Module& m) {
         const auto& l = static_cast<const nn::Linear&>(m);
         return Value(linear_config(l.in_features, l.out_features, l.param("bias").defined(),
                                    l.param("weight").dtype()));
       },
       [](const Value& c) -> ModulePtr {
         return std::make_shared<nn::Linear>(config_int(c, "in_features"), config_int(c, "out_features"),
                                             config_bool(c, "bias"), config_dtype(c));
       }},
      bayes_linear<nn::BayesLinear>("BayesLinear"),
      bayes_linear<nn::BayesLinearLRT>("BayesLinearLRT"),
      {typeid(nn::NormalPrior), "varbayes._core.NormalPrior",
       [](const nn::Module& m) {
         const auto& p = static_cast<const nn::NormalPrior&>(m);
         const Tensor mean = p.mean();
         Value::Array shape(mean.shape().begin(), mean.shape().end());
         return Value(Value::Object{
             {"shape", std::move(shape)}, {"trainable", p.trainable()}, {"dtype", dtype_name(mean.dtype())}});
       },
       [](const Value& c) -> ModulePtr {
         // The values are placeholders: the saved state overwrites them.
         Shape shape;
         for (const Value& s : c.at("shape").as_array("config 'shape'"))
           shape.push_back(s.as_int("config 'shape'"));
         const DType dtype = config_dtype(c);
         return std::make_shared<nn::NormalPrior>(zeros(shape, dtype), ones(shape, dtype),
                                                  config_bool(c, "trainable"));
       }},
  };
  return types;
}

std::string known_type_keys() {
  std::string out;
  for (const ModuleType& t : module_types()) out += (out.empty() ? "" : ", ") + t.key;
  return out;
}

// ---- writing -----------------------------------------------------------------------------------

// Describes a module tree as io.py's _Encoder does; arrays are collected in order of reference.
class Encoder {
 public:
  Value module(const ModulePtr& m, const std::string& where) {
    if (!m) fail<TypeError>("save: the module at '", where, "' is null");
    if (auto it = ids_.find(m.get()); it != ids_.end()) return Value::Object{{"__module_ref__", it->second}};
    const ModuleType* type = nullptr;
    for (const ModuleType& t : module_types())
      if (t.type == std::type_index(typeid(*m))) type = &t;
    if (!type)
      fail<TypeError>(
          "save: cannot save the module at '", where, "' of type ", m->type_name(),
          ": C++ saves only the built-in module types (not subclasses of them): ", known_type_keys());
    const int64_t id = static_cast<int64_t>(ids_.size());
    ids_.emplace(m.get(), id);
    Value::Array children;
    for (const auto& [name, child] : m->named_children())
      children.push_back(Value::Array{name, module(child, where.empty() ? name : where + "." + name)});
    Value::Object state;
    for (const auto& [name, t] : m->state_dict())
      if (name.find('.') == std::string::npos) state.emplace_back(name, array(t));
    return Value::Object{{"__module__", type->key},         {"id", id},
                         {"config", type->config(*m)},      {"training", m->is_training()},
                         {"children", std::move(children)}, {"state", std::move(state)}};
  }

  std::vector<Tensor> arrays;

 private:
  Value array(const Tensor& t) {
    arrays.push_back(contiguous(t));
    return Value::Object{{"__array__", static_cast<int64_t>(arrays.size() - 1)}};
  }

  std::map<const nn::Module*, int64_t> ids_;
};

size_t nbytes(const Tensor& t) { return static_cast<size_t>(t.numel()) * itemsize(t.dtype()); }

[[noreturn]] void io_error(const std::string& what, const std::string& path) {
  fail<RuntimeError>(what, " ", path, ": ", std::strerror(errno));
}

// Writes through a file descriptor and hashes what it writes (the digest covers all bytes before it).
class HashingWriter {
 public:
  HashingWriter(int fd, const std::string& path) : fd_(fd), path_(path) {}
  void write(const void* data, size_t n, bool hash = true) {
    if (hash) sha_.update(data, n);
    const auto* p = static_cast<const char*>(data);
    while (n > 0) {
      const ssize_t w = ::write(fd_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) io_error("save: cannot write", path_);
      p += w;
      n -= static_cast<size_t>(w);
    }
  }
  void write_digest() {
    const auto digest = sha_.finish();
    write(digest.data(), digest.size(), false);
  }

 private:
  int fd_;
  const std::string& path_;
  detail::Sha256 sha_;
};

// Creates path atomically: fill writes a temporary file in the same directory, which is flushed to
// disk and renamed over path, so a crash never leaves half a file (as io.atomic_write_bytes).
void write_atomically(const std::string& path, const std::function<void(HashingWriter&)>& fill) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(dir))
    fail<RuntimeError>("save: directory ", dir.string(), " does not exist (writing ", path, ")");
  // "." + name would trip a GCC 12 false -Wrestrict warning; append instead.
  std::string hidden(".");
  hidden.append(target.filename().string()).append(".XXXXXX.tmp");
  std::string tmp = (dir / hidden).string();
  int fd = ::mkstemps(tmp.data(), 4);
  if (fd < 0) io_error("save: cannot create a temporary file for", path);
  try {
    // mkstemps creates the file private (0600); give it the usual permissions under the umask.
    const mode_t mask = ::umask(0);
    ::umask(mask);
    if (::fchmod(fd, 0666 & ~mask) != 0) io_error("save: cannot set the permissions of", tmp);
    HashingWriter out(fd, tmp);
    fill(out);
    if (::fsync(fd) != 0) io_error("save: cannot flush", tmp);
    const int closed = ::close(fd);
    fd = -1;
    if (closed != 0) io_error("save: cannot close", tmp);
    if (::rename(tmp.c_str(), path.c_str()) != 0) io_error("save: cannot rename the temporary file to", path);
    // The rename itself is durable only once the directory entry is on disk.
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
}

// ---- reading -----------------------------------------------------------------------------------

std::vector<Tensor> read_arrays(const Value& entries, std::string_view blob) {
  std::vector<Tensor> out;
  for (const Value& e : entries.as_array("header 'arrays'")) {
    const std::string label = "array " + std::to_string(out.size());
    const std::string& dt = e.at("dtype").as_string(label + " dtype");
    if (dt != "<f4" && dt != "<f8")
      fail<ValueError>(label, " has dtype '", dt,
                       "'; C++ reads float32 and float64 arrays ('<f4', '<f8') only");
    const DType dtype = dt == "<f4" ? DType::float32 : DType::float64;
    Shape shape;
    for (const Value& s : e.at("shape").as_array(label + " shape"))
      shape.push_back(s.as_int(label + " shape"));
    const int64_t numel = shape_numel(shape);
    const int64_t offset = e.at("offset").as_int(label + " offset"),
                  size = e.at("nbytes").as_int(label + " nbytes");
    const auto blob_size = static_cast<int64_t>(blob.size());
    if (size < 0 || numel > blob_size / static_cast<int64_t>(itemsize(dtype)) ||
        size != numel * static_cast<int64_t>(itemsize(dtype)) || offset < 0 || offset > blob_size - size)
      fail<ValueError>(label, " entry out of bounds");
    Tensor t = empty(shape, dtype);
    if (size > 0) std::memcpy(t.data_ptr(), blob.data() + offset, static_cast<size_t>(size));
    out.push_back(t);
  }
  return out;
}

// Rebuilds modules as io.py's _Decoder does: construct from config, attach children, load the own
// state (through load_state_dict, so keys and shapes are checked), then set the train mode.
class Decoder {
 public:
  explicit Decoder(std::vector<Tensor> arrays) : arrays_(std::move(arrays)) {}

  // The module being decoded when an error is thrown, for the message.
  std::string where() const {
    return where_.empty() ? "the top-level module" : "the module at '" + where_ + "'";
  }

  ModulePtr module(const Value& entry, const std::string& where) {
    where_ = where;
    if (const Value* ref = entry.find("__module_ref__")) {
      auto it = modules_.find(ref->as_int("'__module_ref__'"));
      if (it == modules_.end())
        fail<ValueError>("reference to module id ", ref->as_int("'__module_ref__'"),
                         ", which is not defined before it");
      // A module inside itself would make an ownership cycle that recursion over the tree never leaves.
      if (building_.count(it->second.get()))
        fail<ValueError>("module id ", it->first, " is referenced from inside itself");
      return it->second;
    }
    const std::string& key = entry.at("__module__").as_string("'__module__'");
    const ModuleType* type = nullptr;
    for (const ModuleType& t : module_types())
      if (t.key == key) type = &t;
    if (!type)
      fail<ValueError>("unknown module type '", key, "': C++ builds only the C++ module types (",
                       known_type_keys(), "); load modules defined in Python with vb.load");
    ModulePtr m = type->build(entry.at("config"));
    modules_[entry.at("id").as_int("module 'id'")] = m;
    building_.insert(m.get());
    for (const Value& item : entry.at("children").as_array("'children'")) {
      const Value::Array& pair = item.as_array("a child entry");
      if (pair.size() != 2) fail<ValueError>("a child entry should be a [name, module] pair");
      const std::string& name = pair[0].as_string("a child name");
      m->register_module(name, module(pair[1], where.empty() ? name : where + "." + name));
    }
    building_.erase(m.get());
    where_ = where;
    nn::NamedTensors own;
    for (const auto& [name, ref] : entry.at("state").as_object("'state'")) own.emplace_back(name, array(ref));
    if (!own.empty()) {
      nn::NamedTensors state;
      for (auto& [name, t] : m->state_dict())
        if (name.find('.') != std::string::npos) state.emplace_back(name, t);
      state.insert(state.end(), own.begin(), own.end());
      m->load_state_dict(state);
    }
    m->train(entry.at("training").as_bool("'training'"));
    return m;
  }

 private:
  const Tensor& array(const Value& ref) {
    const int64_t i = ref.at("__array__").as_int("'__array__'");
    if (i < 0 || i >= static_cast<int64_t>(arrays_.size()))
      fail<ValueError>("array reference ", i, " out of range");
    return arrays_[static_cast<size_t>(i)];
  }

  std::vector<Tensor> arrays_;
  std::map<int64_t, ModulePtr> modules_;
  std::set<const nn::Module*> building_;  // modules whose children are being decoded
  std::string where_;
};

std::string read_file(const std::string& path) {
  if (!std::filesystem::is_regular_file(path))
    fail<RuntimeError>("load_module: checkpoint ", path, " does not exist");
  std::ifstream in(path, std::ios::binary);
  std::string data(std::filesystem::file_size(path), '\0');
  if (!in.read(data.data(), static_cast<std::streamsize>(data.size())))
    io_error("load_module: cannot read", path);
  return data;
}

}  // namespace

void save(const std::shared_ptr<nn::Module>& m, const std::string& path) {
  Encoder enc;
  const Value tree = enc.module(m, "");
  Value::Array entries;
  int64_t offset = 0;
  for (const Tensor& a : enc.arrays) {
    if (!is_floating_point(a.dtype()))
      fail<TypeError>("save: a parameter or buffer of dtype ", dtype_name(a.dtype()), " (shape ", shape_str(a.shape()),
                      "); checkpoints hold float32 and float64 arrays");
    const auto size = static_cast<int64_t>(nbytes(a));
    entries.push_back(Value::Object{{"dtype", a.dtype() == DType::float32 ? "<f4" : "<f8"},
                                    {"shape", Value::Array(a.shape().begin(), a.shape().end())},
                                    {"offset", offset},
                                    {"nbytes", size}});
    offset += size;
  }
  const std::string header = json::dump(
      Value::Object{{"format", "varbayes-checkpoint"}, {"object", tree}, {"arrays", std::move(entries)}});
  write_atomically(path, [&](HashingWriter& out) {
    const uint64_t header_size = header.size();
    out.write(kMagic.data(), kMagic.size());
    out.write(&kFormatVersion, sizeof kFormatVersion);
    out.write(&header_size, sizeof header_size);
    out.write(header.data(), header.size());
    for (const Tensor& a : enc.arrays) out.write(a.data_ptr(), nbytes(a));
    out.write_digest();
  });
}

std::shared_ptr<nn::Module> load_module(const std::string& path) {
  const std::string data = read_file(path);
  if (data.size() < kPrefixSize + kDigestSize || data.compare(0, kMagic.size(), kMagic) != 0)
    fail<ValueError>(path, " is not a varbayes checkpoint (bad magic or too short)");
  uint32_t version;
  uint64_t header_size;
  std::memcpy(&version, data.data() + kMagic.size(), sizeof version);
  std::memcpy(&header_size, data.data() + kMagic.size() + sizeof version, sizeof header_size);
  if (version > kFormatVersion)
    fail<ValueError>(path, " has format version ", version, "; this varbayes reads up to ", kFormatVersion);
  const std::string_view body(data.data(), data.size() - kDigestSize);
  if (header_size > body.size() - kPrefixSize)
    fail<ValueError>(path, " is truncated (header of ", header_size, " bytes does not fit)");
  const auto digest = detail::sha256(body);
  if (std::memcmp(digest.data(), data.data() + body.size(), kDigestSize) != 0)
    fail<ValueError>(path, " is corrupted or truncated (checksum mismatch)");
  try {
    const Value header = json::parse(body.substr(kPrefixSize, header_size));
    const Value& object = header.at("object");
    if (!object.is_object() || !object.find("__module__"))
      fail<ValueError>("the saved object is not a module");
    Decoder decoder(read_arrays(header.at("arrays"), body.substr(kPrefixSize + header_size)));
    try {
      return decoder.module(object, "");
    } catch (const ValueError& e) {
      fail<ValueError>(e.what(), " (in ", decoder.where(), ")");
    }
  } catch (const ValueError& e) {
    fail<ValueError>(path, ": ", e.what());
  }
}

}  // namespace varbayes
