#include "utils/sha256.h"

#include <cstdio>

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "utils/errors.h"

// FIPS 180-2 test vectors.
TEST(Sha256, KnownVectors) {
  EXPECT_EQ(agentcoder::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(agentcoder::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, FileMatchesString) {
  agentcoder::testing::TempDir dir;
  std::string text(3 << 20, 'x');  // larger than one read buffer
  std::string path = dir.write("sha_test.txt", text);
  EXPECT_EQ(agentcoder::sha256_file_hex(path), agentcoder::sha256_hex(text));
  std::remove(path.c_str());
  EXPECT_THROW(agentcoder::sha256_file_hex(path), agentcoder::InputError);
}
