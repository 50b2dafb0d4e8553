// experiments/adapter_study.toml, the base-against-adapter study: it loads
// with the strict config loader once its placeholder adapter is replaced by
// the tiny LoRA of tests/fixtures, asks for what the baseline asks (so the
// two runs pair episode for episode), and plans base and adapter episodes
// that differ only in the adapter.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "experiment/plan.h"
#include "experiment/run_config.h"
#include "experiment_fixture.h"
#include "utils/sha256.h"

namespace {

using namespace agentcoder;
using experiment_test::ExperimentTest;

const std::string kPlaceholder = "../adapters/tool-choice.gguf";

std::string shipped(const std::string& name) {
  std::ifstream in(std::filesystem::path(AGENTCODER_EXPERIMENTS_DIR) / name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The shipped study, written beside the shipped configs' folder layout (so
// its relative paths mean what they mean there) with the tiny LoRA in place
// of the placeholder.
experiment::RunConfig load_study_with_tiny_lora(const std::string& dir) {
  std::string text = shipped("adapter_study.toml");
  // The lora entry's path, not the comments that mention it.
  size_t at = text.find("lora = [\"" + kPlaceholder);
  EXPECT_NE(at, std::string::npos) << "the study names its placeholder adapter";
  if (at != std::string::npos) text.replace(at + 9, kPlaceholder.size(), AGENTCODER_TINY_LORA);
  std::filesystem::create_directories(dir + "/experiments");
  std::string file = dir + "/experiments/adapter_study.toml";
  std::ofstream(file) << text;
  return experiment::load_run_config(file);
}

TEST_F(ExperimentTest, AdapterStudyLoadsWithATinyLoraAndMatchesTheBaseline) {
  experiment::RunConfig study = load_study_with_tiny_lora(dir_);
  ASSERT_EQ(study.models.size(), 2u);
  EXPECT_EQ(study.models[0].name, "base");
  EXPECT_EQ(study.models[0].path, "default");
  EXPECT_TRUE(study.models[0].lora.empty());
  EXPECT_EQ(study.models[1].name, "lora");
  EXPECT_EQ(study.models[1].path, "default");
  ASSERT_EQ(study.models[1].lora.size(), 1u);
  EXPECT_EQ(study.models[1].lora[0], std::string(AGENTCODER_TINY_LORA) + ":1.0");
  EXPECT_TRUE(std::filesystem::is_regular_file(AGENTCODER_TINY_LORA));

  // What decides an episode's pairing and outcome is the baseline's.
  experiment::RunConfig baseline =
      experiment::load_run_config((std::filesystem::path(AGENTCODER_EXPERIMENTS_DIR) / "baseline.toml").string());
  EXPECT_EQ(study.seed, baseline.seed);
  EXPECT_EQ(std::filesystem::path(study.tasks).filename(), std::filesystem::path(baseline.tasks).filename());
  EXPECT_EQ(study.split, baseline.split);
  EXPECT_EQ(study.per_cell, baseline.per_cell);
  EXPECT_EQ(study.generate_per_cell, baseline.generate_per_cell);
  EXPECT_EQ(study.data_seed, baseline.data_seed);
  EXPECT_EQ(study.formats, baseline.formats);
  EXPECT_EQ(study.modes, baseline.modes);
  EXPECT_EQ(study.tools, baseline.tools);
  EXPECT_EQ(study.max_steps, baseline.max_steps);
  EXPECT_EQ(study.max_tokens, baseline.max_tokens);
  EXPECT_EQ(study.max_tokens_per_step, baseline.max_tokens_per_step);
  EXPECT_EQ(study.temperature, baseline.temperature);
  EXPECT_EQ(study.fenced_code_is_call, baseline.fenced_code_is_call);
  EXPECT_EQ(study.sandbox_timeout, baseline.sandbox_timeout);
  EXPECT_EQ(study.sandbox_memory_mb, baseline.sandbox_memory_mb);
  EXPECT_EQ(study.sandbox_cpus, baseline.sandbox_cpus);
}

// Planned on the tiny model and this fixture's tasks: every adapter episode
// has a base episode with the same task, format, mode, seed and first turn,
// and the keys differ only in the adapter (the tiny LoRA's sha256).
TEST_F(ExperimentTest, AdapterStudyPlansBaseAndAdapterEpisodesThatPair) {
  experiment::RunConfig study = load_study_with_tiny_lora(dir_);
  experiment::RunConfig small = config("adapter_study");
  study.tasks = small.tasks;
  study.per_cell = 0;
  study.tools = small.tools;  // the docs index is not part of this test
  study.formats = small.formats;
  study.prompts_dir = small.prompts_dir;
  for (experiment::ModelVariant& m : study.models) m.path = AGENTCODER_TINY_MODEL;
  experiment::Plan p = experiment::plan(study, {dir_ + "/results"});
  ASSERT_EQ(p.variants.size(), 2u);
  EXPECT_TRUE(p.variants[0].adapters.empty());
  ASSERT_EQ(p.variants[1].adapters.size(), 1u);
  EXPECT_EQ(p.variants[1].adapters[0].sha256, sha256_file_hex(AGENTCODER_TINY_LORA));
  EXPECT_EQ(p.variants[1].adapters[0].scale, 1.0);

  std::map<std::string, store::EpisodeKey> base;
  for (const experiment::PlannedEpisode& e : p.episodes)
    if (e.variant == 0) base[e.key.task_id + "/" + e.key.prompt_format + "/" + e.key.mode] = e.key;
  ASSERT_EQ(base.size(), 5u * 1u * 3u);  // 5 test tasks x direct x 3 modes
  size_t paired = 0;
  for (const experiment::PlannedEpisode& e : p.episodes) {
    if (e.variant != 1) continue;
    auto it = base.find(e.key.task_id + "/" + e.key.prompt_format + "/" + e.key.mode);
    ASSERT_NE(it, base.end()) << e.key.task_id;
    store::EpisodeKey without_adapter = e.key;
    without_adapter.adapters.clear();
    EXPECT_EQ(without_adapter, it->second) << e.key.task_id << " " << e.key.mode;
    EXPECT_NE(e.key.id(), it->second.id());
    ++paired;
  }
  EXPECT_EQ(paired, base.size());
}

}  // namespace
