#include "json.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "varbayes/error.h"

namespace varbayes::json {

namespace {

const char* type_of(const Value& v) {
  return v.visit([](const auto& x) -> const char* {
    using T = std::decay_t<decltype(x)>;
    if constexpr (std::is_same_v<T, std::nullptr_t>) return "null";
    if constexpr (std::is_same_v<T, bool>) return "a boolean";
    if constexpr (std::is_same_v<T, int64_t>) return "an integer";
    if constexpr (std::is_same_v<T, double>) return "a float";
    if constexpr (std::is_same_v<T, std::string>) return "a string";
    if constexpr (std::is_same_v<T, Value::Array>) return "a list";
    if constexpr (std::is_same_v<T, Value::Object>) return "an object";
  });
}

template <class T>
const T& get(const Value& v, std::string_view what, const char* expected) {
  const T* p = v.visit([](const auto& x) -> const T* {
    if constexpr (std::is_same_v<std::decay_t<decltype(x)>, T>) return &x;
    return nullptr;
  });
  if (!p) fail<ValueError>(what, " should be ", expected, ", not ", type_of(v));
  return *p;
}

// Recursive descent over the text; nesting is bounded so a hostile file cannot overflow the stack.
class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Value document() {
    Value v = value(0);
    skip_space();
    if (pos_ != s_.size()) error("unexpected data after the JSON value");
    return v;
  }

 private:
  static constexpr int kMaxDepth = 1000;

  [[noreturn]] void error(std::string_view what) const {
    fail<ValueError>("invalid JSON at byte ", pos_, ": ", what);
  }

  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool consume(std::string_view token) {
    if (s_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }
  void expect(char c) {
    skip_space();
    if (pos_ >= s_.size() || s_[pos_] != c) error(std::string("expected '") + c + "'");
    ++pos_;
  }

  Value value(int depth) {
    if (depth > kMaxDepth) error("nested too deeply");
    skip_space();
    if (pos_ >= s_.size()) error("unexpected end of text");
    const char c = s_[pos_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') return string();
    if (consume("null")) return Value();
    if (consume("true")) return Value(true);
    if (consume("false")) return Value(false);
    if (consume("NaN")) return Value(std::nan(""));
    if (consume("Infinity")) return Value(HUGE_VAL);
    if (consume("-Infinity")) return Value(-HUGE_VAL);
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    error("unexpected character");
  }

  Value object(int depth) {
    ++pos_;
    Value::Object members;
    skip_space();
    if (consume("}")) return members;
    do {
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != '"') error("expected a string key");
      std::string key = string();
      expect(':');
      members.emplace_back(std::move(key), value(depth + 1));
      skip_space();
    } while (consume(","));
    expect('}');
    return members;
  }

  Value array(int depth) {
    ++pos_;
    Value::Array items;
    skip_space();
    if (consume("]")) return items;
    do {
      items.push_back(value(depth + 1));
      skip_space();
    } while (consume(","));
    expect(']');
    return items;
  }

  Value number() {
    const size_t start = pos_;
    auto digits = [&] {
      const size_t from = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      if (pos_ == from) error("malformed number");
    };
    consume("-");
    if (!consume("0")) digits();
    bool integral = true;
    if (consume(".")) {
      integral = false;
      digits();
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (!consume("+")) consume("-");
      digits();
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + pos_;
    if (integral) {
      int64_t i = 0;
      if (std::from_chars(first, last, i).ec != std::errc()) error("integer out of range");
      return Value(i);
    }
    double d = 0;
    // Out-of-range magnitudes become +-inf or 0 as in Python, rather than an error.
    const auto r = std::from_chars(first, last, d);
    if (r.ec == std::errc::result_out_of_range)
      return Value(std::strtod(std::string(first, last).c_str(), nullptr));
    if (r.ec != std::errc()) error("malformed number");
    return Value(d);
  }

  uint32_t hex4() {
    if (pos_ + 4 > s_.size()) error("truncated \\u escape");
    uint32_t u = 0;
    const auto r = std::from_chars(s_.data() + pos_, s_.data() + pos_ + 4, u, 16);
    if (r.ec != std::errc() || r.ptr != s_.data() + pos_ + 4) error("malformed \\u escape");
    pos_ += 4;
    return u;
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | cp >> 6);
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | cp >> 12);
      out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | cp >> 18);
      out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
      out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string string() {
    ++pos_;  // the opening quote
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) error("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) error("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) error("unterminated string");
      const char e = s_[pos_++];
      constexpr std::string_view escapes = "\"\\/bfnrt", meanings = "\"\\/\b\f\n\r\t";
      if (const size_t at = escapes.find(e); at != std::string_view::npos) {
        out += meanings[at];
      } else if (e == 'u') {
        uint32_t cp = hex4();
        // Characters outside the BMP arrive as a surrogate pair (Python writes them so).
        if (cp >= 0xD800 && cp < 0xDC00 && consume("\\u")) {
          const uint32_t low = hex4();
          if (low < 0xDC00 || low >= 0xE000) error("unpaired surrogate in \\u escape");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        append_utf8(out, cp);
      } else {
        error("unknown escape in string");
      }
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

void write_string(const std::string& s, std::string& out) {
  out += '"';
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
      out += esc;
    } else {
      out += c;
    }
  }
  out += '"';
}

void write_double(double d, std::string& out) {
  if (std::isnan(d)) {
    out += "NaN";
  } else if (std::isinf(d)) {
    out += d > 0 ? "Infinity" : "-Infinity";
  } else {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, d);  // shortest text that reads back exactly
    const std::string_view text(buf, r.ptr - buf);
    out += text;
    // "1.0", not "1": Python would read "1" back as an int.
    if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
  }
}

void write(const Value& v, std::string& out) {
  v.visit([&](const auto& x) {
    using T = std::decay_t<decltype(x)>;
    if constexpr (std::is_same_v<T, std::nullptr_t>) {
      out += "null";
    } else if constexpr (std::is_same_v<T, bool>) {
      out += x ? "true" : "false";
    } else if constexpr (std::is_same_v<T, int64_t>) {
      out += std::to_string(x);
    } else if constexpr (std::is_same_v<T, double>) {
      write_double(x, out);
    } else if constexpr (std::is_same_v<T, std::string>) {
      write_string(x, out);
    } else if constexpr (std::is_same_v<T, Value::Array>) {
      out += '[';
      for (size_t i = 0; i < x.size(); ++i) {
        if (i) out += ", ";
        write(x[i], out);
      }
      out += ']';
    } else {
      out += '{';
      for (size_t i = 0; i < x.size(); ++i) {
        if (i) out += ", ";
        write_string(x[i].first, out);
        out += ": ";
        write(x[i].second, out);
      }
      out += '}';
    }
  });
}

}  // namespace

bool Value::as_bool(std::string_view what) const { return get<bool>(*this, what, "a boolean"); }
int64_t Value::as_int(std::string_view what) const { return get<int64_t>(*this, what, "an integer"); }
double Value::as_number(std::string_view what) const {
  if (const auto* i = std::get_if<int64_t>(&v_)) return static_cast<double>(*i);
  return get<double>(*this, what, "a number");
}
const std::string& Value::as_string(std::string_view what) const {
  return get<std::string>(*this, what, "a string");
}
const Value::Array& Value::as_array(std::string_view what) const { return get<Array>(*this, what, "a list"); }
const Value::Object& Value::as_object(std::string_view what) const {
  return get<Object>(*this, what, "an object");
}

const Value* Value::find(std::string_view key) const {
  for (const auto& [k, v] : as_object("the value holding '" + std::string(key) + "'"))
    if (k == key) return &v;
  return nullptr;
}

const Value& Value::at(std::string_view key) const {
  if (const Value* v = find(key)) return *v;
  fail<ValueError>("missing key '", key, "'");
}

Value parse(std::string_view text) { return Parser(text).document(); }

std::string dump(const Value& v) {
  std::string out;
  write(v, out);
  return out;
}

}  // namespace varbayes::json
