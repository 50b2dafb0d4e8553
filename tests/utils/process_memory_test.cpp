// The process's peak RSS and its reset, which a run uses to give each model
// variant its own peak.
#include "utils/process_memory.h"

#include <sys/mman.h>

#include <cstring>

#include <gtest/gtest.h>

namespace agentcoder {
namespace {

TEST(ProcessMemory, ResetLowersThePeakToTheCurrentRss) {
  const size_t size = 128u << 20;
  void* block = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(block, MAP_FAILED);
  std::memset(block, 1, size);  // resident now
  uint64_t with_block = peak_rss_bytes();
  ASSERT_GE(with_block, size);
  munmap(block, size);
  // Unmapping leaves the peak where it was (give or take the kernel's lazily
  // synced counters).
  EXPECT_GT(peak_rss_bytes(), with_block - size / 2);

  ASSERT_TRUE(reset_peak_rss()) << "this kernel cannot reset VmHWM (Linux >= 4.0 can)";
  uint64_t after = peak_rss_bytes();
  EXPECT_LT(after, with_block - size / 2);
  EXPECT_GT(after, 0u);
}

}  // namespace
}  // namespace agentcoder
