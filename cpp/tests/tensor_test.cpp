// Tensor geometry: views share storage with their base and have the right shape/strides/offset,
// contiguity, alignment, broadcasting, copy_ and empty tensors.
#include <catch2/catch.hpp>
#include <cstdint>

#include "test_util.h"

using namespace varbayes;
using vbtest::check_values;
using vbtest::values;

namespace {

// 0, 1, ..., numel-1 in the given shape (float64, contiguous).
Tensor iota(const Shape& shape) {
  return reshape(arange(0, static_cast<double>(shape_numel(shape)), 1, DType::float64), shape);
}

// A view must alias its base: a write through either side is visible through the other.
void check_aliases(Tensor base, Tensor view) {
  REQUIRE(view.storage() == base.storage());
  fill_(view, -1.0);
  for (double v : values(view)) CHECK(v == -1.0);
  fill_(base, 5.0);
  for (double v : values(view)) CHECK(v == 5.0);
}

}  // namespace

TEST_CASE("reshape and view of a contiguous tensor are views with contiguous strides", "[tensor][view]") {
  const Tensor x = iota({2, 3, 4});
  for (const Shape& shape : {Shape{24}, Shape{4, 6}, Shape{2, 12}, Shape{4, 3, 2}, Shape{1, 24, 1}}) {
    INFO("shape " << shape_str(shape));
    for (const Tensor& y : {reshape(x, shape), view(x, shape)}) {
      CHECK(y.shape() == shape);
      CHECK(y.strides() == contiguous_strides(shape));
      CHECK(y.offset() == 0);
      CHECK(y.storage() == x.storage());
      CHECK(values(y) == values(x));
    }
  }
  CHECK(reshape(x, {-1, 4}).shape() == Shape{6, 4});
  CHECK_THROWS_AS(reshape(x, {5, -1}), ValueError);
  CHECK_THROWS_AS(reshape(x, {-1, -1}), ValueError);
  CHECK_THROWS_AS(view(x, {25}), ValueError);
  check_aliases(x, view(x, {4, 6}));
}

TEST_CASE("view of a strided tensor splits dims when the strides allow it, else refuses", "[tensor][view]") {
  const Tensor t = transpose(iota({4, 6}), 0, 1);  // shape [6, 4], strides [1, 6]
  const Tensor v = view(t, {6, 2, 2});
  CHECK(v.strides() == Shape{1, 12, 6});
  CHECK(values(v) == values(t));
  check_aliases(t, v);
  CHECK_THROWS_AS(view(t, {24}), ValueError);
  CHECK_THROWS_AS(view(t, {4, 6}), ValueError);
  // reshape copies instead, with the same logical order.
  const Tensor r = reshape(t, {24});
  CHECK(r.storage() != t.storage());
  CHECK(values(r) == values(t));
}

TEST_CASE("transpose and permute swap strides over the same storage", "[tensor][view]") {
  const Tensor x = iota({2, 3, 4});
  const Tensor t = transpose(x, 0, -1);
  CHECK(t.shape() == Shape{4, 3, 2});
  CHECK(t.strides() == Shape{1, 4, 12});
  CHECK_FALSE(t.is_contiguous());
  check_values(select(select(t, 0, 3), 1, 1), {15, 19, 23});  // x[1, :, 3]
  const Tensor p = permute(x, {1, 2, 0});
  CHECK(p.shape() == Shape{3, 4, 2});
  CHECK(p.strides() == Shape{4, 1, 12});
  CHECK_THROWS_AS(permute(x, {0, 0, 1}), ValueError);
  CHECK_THROWS_AS(permute(x, {0, 1}), ValueError);
  CHECK_THROWS_AS(transpose(x, 0, 3), IndexError);
  check_aliases(x, p);
}

TEST_CASE("slice follows Python's rules for steps and negative or out-of-range bounds", "[tensor][view]") {
  const Tensor x = iota({10});
  struct Case {
    int64_t start, stop, step;
    std::vector<double> expected;
  };
  for (const Case& c : std::vector<Case>{{2, 8, 2, {2, 4, 6}},
                                         {-3, 100, 1, {7, 8, 9}},
                                         {-100, 2, 1, {0, 1}},
                                         {1, 10, 4, {1, 5, 9}},
                                         {7, 3, 1, {}},
                                         {10, 20, 1, {}}}) {
    INFO("slice(" << c.start << ", " << c.stop << ", " << c.step << ")");
    const Tensor s = slice(x, 0, c.start, c.stop, c.step);
    CHECK(s.shape() == Shape{static_cast<int64_t>(c.expected.size())});
    CHECK(values(s) == c.expected);
  }
  const Tensor s = slice(iota({4, 6}), 1, 1, 6, 2);
  CHECK(s.shape() == Shape{4, 3});
  CHECK(s.strides() == Shape{6, 2});
  CHECK(s.offset() == 1);
  CHECK_THROWS_AS(slice(x, 0, 0, 5, 0), ValueError);
  CHECK_THROWS_AS(slice(x, 1, 0, 5), IndexError);
  check_aliases(x, slice(x, 0, 1, 9, 3));
}

TEST_CASE("select removes a dim at an offset, negative indices count from the end", "[tensor][view]") {
  const Tensor x = iota({3, 4});
  const Tensor row = select(x, 0, -1);
  CHECK(row.shape() == Shape{4});
  CHECK(row.offset() == 8);
  check_values(row, {8, 9, 10, 11});
  const Tensor col = select(x, 1, 2);
  CHECK(col.strides() == Shape{4});
  check_values(col, {2, 6, 10});
  CHECK_THROWS_AS(select(x, 0, 3), IndexError);
  CHECK_THROWS_AS(select(x, 0, -4), IndexError);
  check_aliases(x, col);
}

TEST_CASE("expand broadcasts with stride 0, writes to the base show in every copy", "[tensor][view]") {
  Tensor x = iota({3, 1});
  const Tensor e = expand(x, {2, 3, 4});
  CHECK(e.shape() == Shape{2, 3, 4});
  CHECK(e.strides() == Shape{0, 1, 0});
  CHECK(e.storage() == x.storage());
  CHECK(expand(x, {-1, 5}).shape() == Shape{3, 5});
  fill_(x, 2.0);
  for (double v : values(e)) CHECK(v == 2.0);
  CHECK_THROWS_AS(expand(x, {2, 4}), ValueError);
  CHECK_THROWS_AS(expand(x, {4}), ValueError);
}

TEST_CASE("unsqueeze, squeeze and flatten are views", "[tensor][view]") {
  const Tensor x = iota({2, 1, 3});
  const Tensor u = unsqueeze(x, -1);
  CHECK(u.shape() == Shape{2, 1, 3, 1});
  check_aliases(x, u);
  CHECK(squeeze(x).shape() == Shape{2, 3});
  CHECK(squeeze(x, 1).shape() == Shape{2, 3});
  CHECK(squeeze(x, 0).shape() == Shape{2, 1, 3});  // a dim of size > 1 is kept
  check_aliases(x, squeeze(x));
  CHECK(flatten(x).shape() == Shape{6});
  CHECK(flatten(iota({2, 3, 4, 5}), 1, 2).shape() == Shape{2, 12, 5});
  check_aliases(x, flatten(x));
  // Flattening a transposed tensor cannot be a view: it copies.
  const Tensor t = transpose(iota({2, 3}), 0, 1);
  CHECK(flatten(t).storage() != t.storage());
  check_values(flatten(t), {0, 3, 1, 4, 2, 5});
}

TEST_CASE("contiguous copies only when needed, is_contiguous ignores size-1 dims", "[tensor]") {
  const Tensor x = iota({3, 4});
  CHECK(x.is_contiguous());
  CHECK(contiguous(x).same(x));
  const Tensor t = transpose(x, 0, 1);
  const Tensor c = contiguous(t);
  CHECK(c.is_contiguous());
  CHECK(c.storage() != x.storage());
  CHECK(values(c) == values(t));
  CHECK_FALSE(slice(x, 1, 0, 4, 2).is_contiguous());
  CHECK(slice(x, 0, 1, 2).is_contiguous());  // one row, at an offset
  CHECK(make_view(x, {1, 4}, {1000, 1}, 0).is_contiguous());
  CHECK(expand(iota({1}), {1}).is_contiguous());
  CHECK_FALSE(expand(iota({1}), {3}).is_contiguous());
}

TEST_CASE("fresh storage is 64-byte aligned", "[tensor]") {
  for (int64_t n : {0, 1, 3, 15, 16, 17, 1000}) {
    for (DType d : {DType::float32, DType::float64}) {
      const Tensor t = empty({n}, d);
      CHECK(reinterpret_cast<uintptr_t>(t.storage()->data()) % Storage::kAlignment == 0);
    }
  }
}

TEST_CASE("data<T>() checks the dtype, item() needs one element", "[tensor]") {
  const Tensor x = zeros({2}, DType::float32);
  CHECK_THROWS_AS(x.data<double>(), TypeError);
  CHECK_THROWS_AS(x.item(), ValueError);
  CHECK(full({1, 1}, 2.5, DType::float64).item() == 2.5);
  CHECK_THROWS_AS(empty({-1}), ValueError);
  CHECK_THROWS_AS(Tensor().shape(), RuntimeError);
}

TEST_CASE("broadcast_shapes follows NumPy's rules", "[tensor][broadcast]") {
  struct Case {
    Shape a, b, out;
  };
  for (const Case& c : std::vector<Case>{{{3, 1}, {4}, {3, 4}},
                                         {{}, {2, 3}, {2, 3}},
                                         {{5, 1, 4}, {3, 1}, {5, 3, 4}},
                                         {{0}, {1}, {0}},
                                         {{2, 0}, {2, 1}, {2, 0}}}) {
    CHECK(broadcast_shapes(c.a, c.b, "test") == c.out);
    CHECK(broadcast_shapes(c.b, c.a, "test") == c.out);
  }
  CHECK_THROWS_AS(broadcast_shapes({2, 3}, {3, 2}, "test"), ValueError);
  CHECK_THROWS_AS(broadcast_shapes({0}, {2}, "test"), ValueError);
  CHECK_THROWS_WITH(broadcast_shapes({2}, {3}, "myop"), Catch::Contains("myop") && Catch::Contains("[2]"));
  // Binary ops broadcast their operands the same way.
  check_values(iota({2, 1}) + iota({3}), {0, 1, 2, 1, 2, 3});
  CHECK_THROWS_AS(iota({2}) * iota({3}), ValueError);
}

TEST_CASE("copy_ broadcasts, converts dtypes and handles overlapping sources", "[tensor][copy]") {
  Tensor dst = zeros({2, 3}, DType::float32);
  copy_(dst, iota({3}));
  check_values(dst, {0, 1, 2, 0, 1, 2});
  CHECK_THROWS_AS(copy_(dst, iota({2})), ValueError);
  CHECK_THROWS_AS(copy_(dst, iota({4, 3})), ValueError);

  // Into a strided view: only the viewed elements change.
  Tensor x = zeros({3, 4}, DType::float64);
  Tensor col = select(x, 1, 1);
  copy_(col, iota({3}));
  check_values(x, {0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0});

  // A source overlapping the destination is read as it was before the copy.
  Tensor sq = iota({3, 3});
  copy_(sq, transpose(sq, 0, 1));
  check_values(sq, {0, 3, 6, 1, 4, 7, 2, 5, 8});
  Tensor line = iota({6});
  Tensor tail = slice(line, 0, 1, 6);
  copy_(tail, slice(line, 0, 0, 5));
  check_values(line, {0, 0, 1, 2, 3, 4});
}

TEST_CASE("empty tensors pass through ops", "[tensor][empty]") {
  const Tensor x = zeros({0, 3}, DType::float64);
  CHECK(exp(x).shape() == Shape{0, 3});
  CHECK((x + iota({3})).shape() == Shape{0, 3});
  check_values(sum(x, {0}), {0, 0, 0});
  CHECK(sum(x).item() == 0.0);
  CHECK(sum(x, {1}).shape() == Shape{0});
  CHECK(reshape(x, {3, 0}).shape() == Shape{3, 0});
  CHECK(transpose(x, 0, 1).shape() == Shape{3, 0});
  CHECK(matmul(x, iota({3, 2})).shape() == Shape{0, 2});
  // An empty inner dimension gives a zero product, not uninitialised memory.
  check_values(matmul(zeros({2, 0}, DType::float64), zeros({0, 3}, DType::float64)), {0, 0, 0, 0, 0, 0});
  check_values(cat({x, iota({1, 3})}, 0), {0, 1, 2});
  CHECK(slice(iota({4}), 0, 2, 2).numel() == 0);
  CHECK(index_select(iota({3, 2}), 0, {}).shape() == Shape{0, 2});
  CHECK_THROWS_AS(mean(x), ValueError);
  CHECK_THROWS_AS(max(x), ValueError);

  Tensor leaf = zeros({0, 3}, DType::float64);
  leaf.set_requires_grad(true);
  sum(exp(leaf) * 2.0).backward();
  CHECK(leaf.grad().shape() == Shape{0, 3});
}
