// Integer and bool dtypes in the core: promotion (against torch's table), casts, integer
// arithmetic and reductions, and float-only kernels refusing integer memory.
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "test_util.h"

using namespace varbayes;
using vbtest::values;

namespace {

Tensor ints(const std::vector<double>& v, DType d = DType::int64) {
  return from_values(v, {static_cast<int64_t>(v.size())}, d);
}

}  // namespace

TEST_CASE("promote_types follows torch's table", "[dtype]") {
  using D = DType;
  // Rows and columns: float32, float64, int32, int64, bool (torch.promote_types).
  const D all[] = {D::float32, D::float64, D::int32, D::int64, D::bool_};
  const D expected[5][5] = {
      {D::float32, D::float64, D::float32, D::float32, D::float32},
      {D::float64, D::float64, D::float64, D::float64, D::float64},
      {D::float32, D::float64, D::int32, D::int64, D::int32},
      {D::float32, D::float64, D::int64, D::int64, D::int64},
      {D::float32, D::float64, D::int32, D::int64, D::bool_},
  };
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) {
      INFO(dtype_name(all[i]) << " + " << dtype_name(all[j]));
      CHECK(promote_types(all[i], all[j]) == expected[i][j]);
    }
}

TEST_CASE("result_type ranks dimensioned tensors over 0-d tensors over wrapped numbers", "[dtype]") {
  const Tensor i32 = zeros({2}, DType::int32), f32 = zeros({2}), b = zeros({2}, DType::bool_);
  CHECK(result_type({i32, wrapped_number(2.5)}) == DType::float32);           // int tensor + 2.5
  CHECK(result_type({i32, wrapped_number(int64_t{2})}) == DType::int32);      // width is not raised
  CHECK(result_type({f32, scalar_tensor(1.0, DType::float64)}) == DType::float32);
  CHECK(result_type({i32, scalar_tensor(1.0, DType::float64)}) == DType::float64);  // category raised
  CHECK(result_type({b, wrapped_number(int64_t{1})}) == DType::int64);
  CHECK(result_type({b, wrapped_number(true)}) == DType::bool_);
  CHECK(result_type({scalar_tensor(1.0, DType::int32), wrapped_number(int64_t{7})}) == DType::int32);
  CHECK(result_type({scalar_tensor(1.0, DType::float64), wrapped_number(0.5)}) == DType::float64);
}

TEST_CASE("casts truncate toward zero, saturate out of range and test != 0 for bool", "[dtype]") {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  const Tensor x = from_values({2.9, -2.9, 0.0, nan, inf, -inf}, {6}, DType::float64);
  const double big = static_cast<double>(std::numeric_limits<int32_t>::max());
  CHECK(values(to_dtype(x, DType::int32)) == std::vector<double>{2, -2, 0, 0, big, -big - 1});
  CHECK(values(to_dtype(x, DType::bool_)) == std::vector<double>{1, 1, 0, 1, 1, 1});
  CHECK(values(to_dtype(ints({-3, 0, 5}), DType::float32)) == std::vector<double>{-3, 0, 5});
}

TEST_CASE("integer arithmetic stays integer with Python's floor division rules", "[dtype]") {
  const Tensor a = ints({7, -7, 7, -7}), b = ints({2, 2, -2, -2});
  CHECK((a + b).dtype() == DType::int64);
  CHECK(values(a * b) == std::vector<double>{14, -14, -14, 14});
  CHECK(values(floor_divide(a, b)) == std::vector<double>{3, -4, -4, 3});
  CHECK(values(remainder(a, b)) == std::vector<double>{1, 1, -1, -1});
  const Tensor q = a / b;  // true division
  CHECK(q.dtype() == DType::float32);
  CHECK(values(q) == std::vector<double>{3.5, -3.5, -3.5, 3.5});
  CHECK_THROWS_AS(floor_divide(a, ints({1, 0, 1, 1})), RuntimeError);
  const Tensor big = ints({static_cast<double>(std::numeric_limits<int64_t>::max())});
  // Wraps around as torch (no undefined signed overflow).
  CHECK(*(big + wrapped_number(int64_t{1})).data<int64_t>() == std::numeric_limits<int64_t>::min());
}

TEST_CASE("integer and bool reductions", "[dtype]") {
  const Tensor x = from_values({1, -4, 3, 2, 8, -1}, {2, 3}, DType::int32);
  const Tensor s = sum(x, {1});
  CHECK(s.dtype() == DType::int64);
  CHECK(values(s) == std::vector<double>{0, 9});
  CHECK(max(x).dtype() == DType::int32);
  CHECK(values(max(x, {0})) == std::vector<double>{2, 8, 3});
  CHECK(values(argmax(x, 1)) == std::vector<double>{2, 1});
  CHECK(values(argmin(x)) == std::vector<double>{1});
  const Tensor mask = compare(x, wrapped_number(int64_t{0}), Compare::gt);
  CHECK(mask.dtype() == DType::bool_);
  CHECK(values(sum(mask)) == std::vector<double>{4});
  CHECK(values(any(mask, {1})) == std::vector<double>{1, 1});
  CHECK(values(all(mask, {1})) == std::vector<double>{0, 0});
  CHECK(values(nonzero(mask)) == std::vector<double>{0, 0, 0, 2, 1, 0, 1, 1});
}

TEST_CASE("float-only kernels refuse integer tensors instead of reading their memory", "[dtype]") {
  const Tensor x = from_values({1, 2, 3, 4}, {2, 2}, DType::int64);
  CHECK_THROWS_AS(matmul(x, x), TypeError);
  CHECK_THROWS_AS(mean(x), TypeError);
  CHECK_THROWS_AS(softmax(x), TypeError);
  CHECK_THROWS_AS(randn({2}, DType::int32), TypeError);
  CHECK_THROWS_AS(where(x, x, x), TypeError);  // the condition must be bool
  CHECK_THROWS_WITH(Tensor(x).set_requires_grad(true), Catch::Contains("floating point"));
  // Ops computed in floating point take integer input as float32, as torch.
  const Tensor e = exp(x);
  CHECK(e.dtype() == DType::float32);
  CHECK(values(e)[1] == Approx(std::exp(2.0)));
}

TEST_CASE("checkpoints refuse integer buffers instead of labelling them as floats", "[dtype][checkpoint]") {
  auto model = std::make_shared<nn::Linear>(2, 1);
  model->register_buffer("steps", from_values({3}, {1}, DType::int64));
  const std::string path = (std::filesystem::temp_directory_path() / "varbayes_dtype_test.vb").string();
  CHECK_THROWS_WITH(save(model, path), Catch::Contains("dtype int64"));
  std::filesystem::remove(path);
}
