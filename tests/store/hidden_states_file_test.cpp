// The hidden-states file (store/hidden_states_file.h): its documented byte
// layout, f32 and f16 round trips, appending on resume, a row cut short by
// a crash, and a header that does not match the config.
#include "store/hidden_states_file.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "utils/errors.h"
#include "utils/files.h"
#include "utils/scratch_dir.h"

using namespace agentcoder;
using namespace agentcoder::store;

namespace {

const std::string kIdA(64, 'a');
const std::string kIdB = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

}  // namespace

TEST(HiddenStatesFile, LayoutIsTheDocumentedOne) {
  ScratchDir dir("hidden-test");
  const std::string path = dir.path("h.bin");
  {
    HiddenStatesWriter w(path, {{3, 1}, HiddenDtype::f32});
    w.append(kIdB, {1.0f, 2.0f, -3.0f, 0.5f});  // 2 layers of width 2
  }
  const std::string bytes = read_file(path);
  // 8 magic + 3 u32 + 2 layers, then 32 id + u32 width + 4 floats
  ASSERT_EQ(bytes.size(), 8u + 12 + 8 + 32 + 4 + 16);
  EXPECT_EQ(bytes.substr(0, 8), "ACHIDDEN");
  uint32_t u[5];
  std::memcpy(u, bytes.data() + 8, sizeof u);
  EXPECT_EQ(u[0], 1u);  // version
  EXPECT_EQ(u[1], 0u);  // f32
  EXPECT_EQ(u[2], 2u);  // layers
  EXPECT_EQ(u[3], 3u);
  EXPECT_EQ(u[4], 1u);
  EXPECT_EQ(static_cast<unsigned char>(bytes[28]), 0x01);  // the id's first byte, 0x01
  EXPECT_EQ(static_cast<unsigned char>(bytes[29]), 0x23);
  uint32_t width;
  std::memcpy(&width, bytes.data() + 60, 4);
  EXPECT_EQ(width, 2u);
  float v[4];
  std::memcpy(v, bytes.data() + 64, sizeof v);
  EXPECT_EQ(v[2], -3.0f);
}

TEST(HiddenStatesFile, RoundTripsAndAppendsOnResume) {
  ScratchDir dir("hidden-test");
  const std::string path = dir.path("h.bin");
  const HiddenStatesHeader header{{0, 5, 29}, HiddenDtype::f32};
  const std::vector<float> a = {0.25f, -1e-8f, 3e5f, 1.0f, 2.0f, 3.0f};  // width 2
  const std::vector<float> b = {7, 8, 9};                                // width 1
  { HiddenStatesWriter(path, header).append(kIdA, a); }
  { HiddenStatesWriter(path, header).append(kIdB, b); }  // a resumed run appends
  HiddenStates read = read_hidden_states(path);
  EXPECT_EQ(read.header.layers, header.layers);
  ASSERT_EQ(read.rows.size(), 2u);
  EXPECT_EQ(read.rows[0].episode_id, kIdA);
  EXPECT_EQ(read.rows[0].width, 2);
  EXPECT_EQ(read.rows[0].values, a);
  EXPECT_EQ(read.rows[1].episode_id, kIdB);
  EXPECT_EQ(read.rows[1].values, b);
}

TEST(HiddenStatesFile, HalfPrecisionRoundsToTheNearestHalf) {
  ScratchDir dir("hidden-test");
  const std::string path = dir.path("h.bin");
  // Exact in binary16: 1.5, -2, 65504 (the largest), 2^-24 (the smallest subnormal);
  // 1 + 2^-11 is a tie between 1 and 1 + 2^-10 and rounds to even (1);
  // 1 + 3 * 2^-12 rounds up to 1 + 2^-10; 1e6 overflows to infinity.
  const std::vector<float> in = {1.5f, -2.0f, 65504.0f, std::ldexp(1.0f, -24), 1.0f + std::ldexp(1.0f, -11),
                                 1.0f + 3 * std::ldexp(1.0f, -12), 1e6f, 0.0f};
  { HiddenStatesWriter(path, {{0}, HiddenDtype::f16}).append(kIdA, in); }
  EXPECT_EQ(std::filesystem::file_size(path), 8u + 12 + 4 + 32 + 4 + 2 * in.size());
  const std::vector<float> out = read_hidden_states(path).rows.at(0).values;
  const std::vector<float> want = {1.5f, -2.0f, 65504.0f, std::ldexp(1.0f, -24), 1.0f,
                                   1.0f + std::ldexp(1.0f, -10), INFINITY, 0.0f};
  EXPECT_EQ(out, want);
}

TEST(HiddenStatesFile, PartialRowFromACrashIsDropped) {
  ScratchDir dir("hidden-test");
  const std::string path = dir.path("h.bin");
  const HiddenStatesHeader header{{1}, HiddenDtype::f32};
  { HiddenStatesWriter(path, header).append(kIdA, {1, 2, 3, 4}); }
  const auto whole = std::filesystem::file_size(path);
  {
    std::ofstream cut(path, std::ios::app | std::ios::binary);
    cut.write(std::string(40, '\x7f').data(), 40);  // an id, a width, part of the values
  }
  EXPECT_EQ(read_hidden_states(path).rows.size(), 1u);
  { HiddenStatesWriter(path, header).append(kIdB, {5, 6, 7, 8}); }
  EXPECT_EQ(std::filesystem::file_size(path), whole + 32 + 4 + 16);
  HiddenStates read = read_hidden_states(path);
  ASSERT_EQ(read.rows.size(), 2u);
  EXPECT_EQ(read.rows[1].values, (std::vector<float>{5, 6, 7, 8}));
}

TEST(HiddenStatesFile, OtherLayersOrDtypeOrNotAFileAreRefused) {
  ScratchDir dir("hidden-test");
  const std::string path = dir.path("h.bin");
  { HiddenStatesWriter(path, {{1, 2}, HiddenDtype::f32}); }
  EXPECT_THROW(HiddenStatesWriter(path, {{1, 3}, HiddenDtype::f32}), InputError);
  EXPECT_THROW(HiddenStatesWriter(path, {{1, 2}, HiddenDtype::f16}), InputError);
  write_file_atomically(dir.path("other.bin"), "not hidden states at all");
  EXPECT_THROW(read_hidden_states(dir.path("other.bin")), InputError);
  EXPECT_THROW(read_hidden_states(dir.path("missing.bin")), InputError);
  HiddenStatesWriter w(path, {{1, 2}, HiddenDtype::f32});
  EXPECT_THROW(w.append(kIdA, {1, 2, 3}), std::invalid_argument);  // 3 values over 2 layers
}
