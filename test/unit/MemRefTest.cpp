//===- MemRefTest.cpp - Copying strided memrefs ---------------------------===//

#include "sinkrt/MemRef.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <numeric>

using namespace sinkrt;
using ::testing::HasSubstr;

TEST(MemRef, DescriptorOfARowMajorTensor) {
  Expected<HostTensor> tensor = HostTensor::create(DType::F32, {2, 3, 4});
  ASSERT_TRUE(tensor);
  std::vector<int64_t> words = makeMemRefDescriptor(*tensor);
  ASSERT_EQ(words.size(), 9u);
  MemRefView view = readMemRefDescriptor(words.data(), 3);
  EXPECT_EQ(view.allocated, tensor->data());
  EXPECT_EQ(view.aligned, tensor->data());
  EXPECT_EQ(view.offset, 0);
  EXPECT_EQ(view.sizes, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(view.strides, (std::vector<int64_t>{12, 4, 1}));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(tensor->data()) % 64, 0u);
}

TEST(MemRef, CopiesTransposedOffsetAndPaddedLayouts) {
  std::vector<float> storage(40);
  std::iota(storage.begin(), storage.end(), 0.0f);
  // A [2, 3] view of a column-major [3][2] block after an offset of 5.
  MemRefView transposed{storage.data(), storage.data(), 5, {2, 3}, {1, 2}};
  Expected<HostTensor> copy = copyMemRefToTensor(transposed, DType::F32);
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->shape, (std::vector<int64_t>{2, 3}));
  std::vector<float> values(copy->as<float>(), copy->as<float>() + 6);
  EXPECT_EQ(values, (std::vector<float>{5, 7, 9, 6, 8, 10}));
  // Every other element (inner stride 2), rows 10 apart.
  MemRefView padded{storage.data(), storage.data(), 0, {2, 3}, {10, 2}};
  copy = copyMemRefToTensor(padded, DType::F32);
  ASSERT_TRUE(copy);
  values.assign(copy->as<float>(), copy->as<float>() + 6);
  EXPECT_EQ(values, (std::vector<float>{0, 2, 4, 10, 12, 14}));
  // A broadcast dimension (stride 0).
  MemRefView broadcast{storage.data(), storage.data(), 3, {3, 2}, {0, 1}};
  copy = copyMemRefToTensor(broadcast, DType::F32);
  ASSERT_TRUE(copy);
  values.assign(copy->as<float>(), copy->as<float>() + 6);
  EXPECT_EQ(values, (std::vector<float>{3, 4, 3, 4, 3, 4}));
}

TEST(MemRef, RankZeroAndEmpty) {
  double scalar = 4.5;
  MemRefView view{&scalar, &scalar, 0, {}, {}};
  Expected<HostTensor> copy = copyMemRefToTensor(view, DType::F64);
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->as<double>()[0], 4.5);
  MemRefView empty{nullptr, nullptr, 0, {0, 7}, {7, 1}};
  copy = copyMemRefToTensor(empty, DType::I64);
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->elementCount(), 0u);
}

TEST(MemRef, RejectsNegativeSizesAndNullData) {
  MemRefView negative{nullptr, nullptr, 0, {-1}, {1}};
  EXPECT_FALSE(copyMemRefToTensor(negative, DType::F32));
  MemRefView null{nullptr, nullptr, 0, {2}, {1}};
  Expected<HostTensor> copy = copyMemRefToTensor(null, DType::F32);
  ASSERT_FALSE(copy);
  EXPECT_THAT(copy.getError().message, HasSubstr("null data pointer"));
}
