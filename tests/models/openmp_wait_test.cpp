// The start-up hook of llama_runtime.cpp: an executable of the harness runs
// with passive OpenMP threads unless the user chose a wait policy.
#include <gtest/gtest.h>

#include "support/cli_run.h"

using agentcoder::testing::run_shell;

TEST(OpenMpWaitPolicy, PassiveUnlessTheUserChoseOne) {
  auto unset = run_shell("env -u OMP_WAIT_POLICY " PRINT_OPENMP_WAIT_POLICY);
  ASSERT_EQ(unset.code, 0) << unset.out;
  EXPECT_EQ(unset.out, "passive\n");
  auto chosen = run_shell("env OMP_WAIT_POLICY=active " PRINT_OPENMP_WAIT_POLICY);
  ASSERT_EQ(chosen.code, 0) << chosen.out;
  EXPECT_EQ(chosen.out, "active\n");
}
