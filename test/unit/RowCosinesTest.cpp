//===- RowCosinesTest.cpp - Cosines of rows with the first row ------------===//
//
// sinkrt::cosinesWithFirst against a float64 reference, for widths below,
// at and past the vector chains, strided states and outputs, several
// batches; bit-identical for any thread count; inconsistent shapes refused.
//
//===----------------------------------------------------------------------===//

#include "sinkrt/RowCosines.h"

#include "sinkrt/Probes.h"
#include "sinkrt/ThreadPool.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace sinkrt;

namespace {

/// A [B, T, F] state in a buffer whose element (b, t, i) is at b * T * F *
/// step + t * F * step + i * step.
struct State {
  std::vector<float> data;
  StridedF32<3> view;
};

State makeState(int64_t B, int64_t T, int64_t F, int64_t step, uint32_t seed) {
  State s;
  s.data.assign(B * T * F * step, 1e9f);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int64_t e = 0; e < B * T * F; ++e)
    s.data[e * step] = normal(rng) + (e % F == 3 ? 4.0f : 0.0f);
  s.view.data = s.data.data();
  s.view.sizes[0] = B;
  s.view.sizes[1] = T;
  s.view.sizes[2] = F;
  s.view.strides[0] = T * F * step;
  s.view.strides[1] = F * step;
  s.view.strides[2] = step;
  return s;
}

/// The [B, T] output in `out`, row b starting at b * rowStride.
StridedF32<2> outputView(std::vector<float> &out, int64_t B, int64_t T,
                         int64_t rowStride) {
  StridedF32<2> view;
  view.data = out.data();
  view.sizes[0] = B;
  view.sizes[1] = T;
  view.strides[0] = rowStride;
  view.strides[1] = 1;
  return view;
}

double referenceCosine(const StridedF32<3> &x, int64_t b, int64_t t) {
  double dot = 0, rowSquares = 0, firstSquares = 0;
  for (int64_t i = 0; i < x.sizes[2]; ++i) {
    double v = x.data[b * x.strides[0] + t * x.strides[1] + i * x.strides[2]];
    double f = x.data[b * x.strides[0] + i * x.strides[2]];
    dot += v * f;
    rowSquares += v * v;
    firstSquares += f * f;
  }
  return dot / (std::sqrt(rowSquares) * std::sqrt(firstSquares));
}

struct Shape {
  int64_t B, T, F, step;
};

class RowCosinesMatchReference : public ::testing::TestWithParam<Shape> {};

TEST_P(RowCosinesMatchReference, EveryRow) {
  const Shape shape = GetParam();
  State state = makeState(shape.B, shape.T, shape.F, shape.step, 3);
  // An output with a row stride of T + 2 floats: the gaps stay untouched.
  std::vector<float> out(shape.B * (shape.T + 2), -7.0f);
  StridedF32<2> view = outputView(out, shape.B, shape.T, shape.T + 2);
  ASSERT_TRUE(cosinesWithFirst(state.view, view, nullptr));
  for (int64_t b = 0; b < shape.B; ++b) {
    for (int64_t t = 0; t < shape.T; ++t)
      EXPECT_NEAR(out[b * (shape.T + 2) + t], referenceCosine(state.view, b, t),
                  2e-6)
          << "b=" << b << " t=" << t;
    EXPECT_EQ(out[b * (shape.T + 2) + shape.T], -7.0f);
    EXPECT_EQ(out[b * (shape.T + 2) + shape.T + 1], -7.0f);
  }
  // Row 0 against itself: exactly 1.
  for (int64_t b = 0; b < shape.B; ++b)
    EXPECT_EQ(out[b * (shape.T + 2)], 1.0f);
}

INSTANTIATE_TEST_SUITE_P(Shapes, RowCosinesMatchReference,
                         ::testing::Values(Shape{1, 4, 1, 1}, Shape{2, 5, 7, 1},
                                           Shape{1, 9, 64, 1},
                                           Shape{3, 6, 67, 1},
                                           Shape{1, 17, 704, 1},
                                           Shape{2, 5, 37, 3}));

TEST(RowCosines, ZeroRowIsNaN) {
  State state = makeState(1, 3, 20, 1, 4);
  for (int64_t i = 0; i < 20; ++i)
    state.data[20 + i] = 0.0f; // row 1
  std::vector<float> out(3);
  StridedF32<2> view = outputView(out, 1, 3, 3);
  ASSERT_TRUE(cosinesWithFirst(state.view, view, nullptr));
  EXPECT_TRUE(std::isnan(out[1]));
  EXPECT_FALSE(std::isnan(out[2]));
}

TEST(RowCosines, RejectsInconsistentShapes) {
  State state = makeState(2, 3, 8, 1, 5);
  std::vector<float> out(6, -7.0f);
  StridedF32<2> view = outputView(out, 2, 4, 4); // T is 3
  EXPECT_FALSE(cosinesWithFirst(state.view, view, nullptr));
  for (float value : out)
    EXPECT_EQ(value, -7.0f);
}

TEST(RowCosines, BitIdenticalForAnyThreadCount) {
  State state = makeState(2, 301, 704, 1, 6);
  std::vector<float> first;
  for (int threads : {1, 2, 3}) {
    auto pool = ThreadPool::create(threads);
    ASSERT_TRUE(pool);
    RunContext context{pool->get(), nullptr};
    std::vector<float> out(2 * 301);
    StridedF32<2> view = outputView(out, 2, 301, 301);
    ASSERT_TRUE(cosinesWithFirst(state.view, view, &context));
    if (threads == 1) {
      first = out;
      continue;
    }
    EXPECT_EQ(std::memcmp(first.data(), out.data(), out.size() * sizeof(float)),
              0);
  }
}

} // namespace
