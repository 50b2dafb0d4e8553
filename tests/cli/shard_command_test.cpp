// `agentcoder run --shard I/N`, `merge` and `slurm --dry-run` through the
// built binary on the tiny model: three shards merged are the unsharded run
// for `trace diff` and `score`; a missing shard is one line naming it, exit
// 2, nothing written; the sbatch scripts are what a cluster takes.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include <gtest/gtest.h>

#include "support/cli_run.h"
#include "support/read_file.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using agentcoder::testing::count_lines;
using agentcoder::testing::run_cli;

namespace {

class ShardCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = run_cli(AGENTCODER_BIN, "data generate --seed 3 --per-cell 1 -o " + path("tasks.jsonl"));
    ASSERT_EQ(r.code, 0) << r.out;
    std::ofstream(path("grid.toml")) << "name = \"grid\"\nseed = 5\n"
                                     << "[data]\ntasks = \"" << path("tasks.jsonl") << "\"\n"
                                     << "[[models]]\nname = \"tiny\"\npath = \"" << AGENTCODER_TINY_MODEL << "\"\n"
                                     << "[agent]\nformats = [\"direct\"]\nmodes = [\"free\", \"force_text\"]\n"
                                     << "tools = [\"python\"]\nprompts = \"" << AGENTCODER_PROMPTS_DIR << "\"\n"
                                     << "max_steps = 2\nmax_tokens = 32\nmax_tokens_per_step = 16\n"
                                     << "[engine]\nparallel = 4\ncontext_per_sequence = 1024\nthreads = 2\n";
  }
  std::string path(const std::string& name) const { return temp_.path(name); }
  agentcoder::testing::TempDir temp_;
};

TEST_F(ShardCommandTest, ShardsMergedAreTheUnshardedRun) {
  const std::string cfg = path("grid.toml");
  // 6 of the 12 tasks x 2 modes = 12 episodes, 4 in each shard.
  auto whole = run_cli(AGENTCODER_BIN, "run " + cfg + " --limit 6 --results " + path("whole"));
  ASSERT_EQ(whole.code, 0) << whole.out;
  const std::string run_dir = path("sharded") + "/grid";
  for (int i : {3, 1}) {
    auto r = run_cli(AGENTCODER_BIN, "run " + cfg + " --limit 6 --results " + path("sharded") + " --shard " +
                                         std::to_string(i) + "/3 --resume");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("12 episodes, 4 in shard " + std::to_string(i) + "/3"), std::string::npos) << r.out;
  }
  // Shard 2 has not run: one line naming it, exit 2, nothing written.
  auto missing = run_cli(AGENTCODER_BIN, "merge " + run_dir);
  EXPECT_EQ(missing.code, 2) << missing.out;
  EXPECT_EQ(count_lines(missing.out), 1) << missing.out;
  EXPECT_NE(missing.out.find("shards/2-of-3: missing"), std::string::npos) << missing.out;
  EXPECT_FALSE(fs::exists(run_dir + "/results.sqlite"));

  auto two = run_cli(AGENTCODER_BIN, "run " + cfg + " --limit 6 --results " + path("sharded") + " --shard 2/3 --resume");
  ASSERT_EQ(two.code, 0) << two.out;
  auto merged = run_cli(AGENTCODER_BIN, "merge " + run_dir);
  ASSERT_EQ(merged.code, 0) << merged.out;
  EXPECT_NE(merged.out.find("merged 3 shards, 12 episodes"), std::string::npos) << merged.out;
  auto diff = run_cli(AGENTCODER_BIN, "trace diff " + path("whole") + "/grid " + run_dir);
  EXPECT_EQ(diff.code, 0) << diff.out;
  EXPECT_NE(diff.out.find("12 shared: 12 identical, 0 differ"), std::string::npos) << diff.out;
  // Read like any other run.
  auto score = run_cli(AGENTCODER_BIN, "score " + run_dir);
  EXPECT_EQ(score.code, 0) << score.out;
  auto metrics = run_cli(AGENTCODER_BIN, "metrics " + run_dir);
  EXPECT_EQ(metrics.code, 0) << metrics.out;
}

TEST_F(ShardCommandTest, BadShardsAreOneLineAndExitTwo) {
  for (const char* bad : {"0/3", "4/3", "x", "1/0"}) {
    auto r = run_cli(AGENTCODER_BIN, "run " + path("grid.toml") + " --results " + path("r") + " --shard " + bad);
    EXPECT_EQ(r.code, 2) << bad << ": " << r.out;
    EXPECT_EQ(count_lines(r.out), 1) << r.out;
    EXPECT_NE(r.out.find("--shard"), std::string::npos) << r.out;
  }
  auto none = run_cli(AGENTCODER_BIN, "merge " + path("nothing"));
  EXPECT_EQ(none.code, 2) << none.out;
  EXPECT_EQ(count_lines(none.out), 1) << none.out;
}

TEST_F(ShardCommandTest, PlanCountsEpisodesPerShardAndEstimatesTime) {
  // 12 tasks x 2 modes = 24 episodes of 1000 tokens at 100 tok/s: 240 s, 80 s a shard.
  auto r = run_cli(AGENTCODER_BIN, "plan " + path("grid.toml") + " --shards 3 --tokens-per-second 100 "
                                   "--tokens-per-episode 1000 --results " + path("res"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("= 24 episodes"), std::string::npos) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\ntiny +16 +24 +24000 +100\.0 +0:04:00\n)"))) << r.out;
  for (const char* shard : {"1/3", "2/3", "3/3"})
    EXPECT_TRUE(std::regex_search(r.out, std::regex(std::string("\n") + shard + R"( +8 +8000 +0:01:20  tiny \(8\)\n)")))
        << shard << " not as expected in\n" << r.out;
  EXPECT_NE(r.out.find("3 shards at once: 0:01:20 (the longest shard); 0:04:00 of shard time in all"),
            std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(path("res") + "/grid/results.sqlite")) << "plan ran something";
  auto bad = run_cli(AGENTCODER_BIN, "plan " + path("grid.toml") + " --tokens-per-second -5");
  EXPECT_EQ(bad.code, 2) << bad.out;
}

TEST_F(ShardCommandTest, SlurmDryRunWritesAnArrayAndAMergeJob) {
  auto r = run_cli(AGENTCODER_BIN, "slurm " + path("grid.toml") + " --shards 4 --partition gpu --time 2:00:00 "
                                   "--gpus-per-task 1 --cpus-per-task 8 --mem 32G --results " + path("res") +
                                   " --dry-run");
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string array = agentcoder::testing::read_file(path("res") + "/grid/slurm/array.sbatch");
  const std::string merge = agentcoder::testing::read_file(path("res") + "/grid/slurm/merge.sbatch");
  for (const char* line : {"#!/bin/bash\n", "#SBATCH --array=1-4\n", "#SBATCH --requeue\n", "#SBATCH --partition=gpu\n",
                           "#SBATCH --time=2:00:00\n", "#SBATCH --gpus-per-task=1\n", "#SBATCH --cpus-per-task=8\n",
                           "#SBATCH --mem=32G\n", "--shard \"${SLURM_ARRAY_TASK_ID}/4\" --resume\n"})
    EXPECT_NE(array.find(line), std::string::npos) << line << " not in\n" << array;
  EXPECT_NE(merge.find(" merge '" + path("res") + "/grid'\n"), std::string::npos) << merge;
  EXPECT_EQ(merge.find("--gpus-per-task"), std::string::npos) << "the merge needs no GPU\n" << merge;
  EXPECT_NE(r.out.find("--dependency=afterok:"), std::string::npos) << r.out;
  // Every #SBATCH line comes before the first command, or sbatch ignores it.
  EXPECT_LT(array.rfind("#SBATCH"), array.find("\nset -euo"));
  // bash accepts both scripts.
  EXPECT_EQ(agentcoder::testing::run_shell("bash -n " + path("res") + "/grid/slurm/array.sbatch 2>&1").code, 0);
  EXPECT_EQ(agentcoder::testing::run_shell("bash -n " + path("res") + "/grid/slurm/merge.sbatch 2>&1").code, 0);

  for (const char* bad : {"--shards 0", "--shards 2 --time soon", "--shards 2 --mem lots", "--shards 2 --partition 'a b'",
                          "--shards 2 --dry-run --submit"}) {
    auto e = run_cli(AGENTCODER_BIN, "slurm " + path("grid.toml") + " " + bad + " --results " + path("res"));
    EXPECT_EQ(e.code, 2) << bad << ": " << e.out;
    EXPECT_EQ(count_lines(e.out), 1) << e.out;
  }
}

}  // namespace
