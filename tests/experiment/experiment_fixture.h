// A small experiment on the tiny model for the experiment module's tests:
// six hand-written tasks (two per category x difficulty cell in three cells,
// train and test splits) in a task file, and a config over them written in
// code, one field per knob a test may turn.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "data/task.h"
#include "data/task_file.h"
#include "experiment/run_config.h"
#include "support/temp_dir.h"

namespace experiment_test {

using namespace agentcoder;

class ExperimentTest : public ::testing::Test {
 protected:
  void SetUp() override { data::write_tasks(path("tasks.jsonl"), tasks()); }

  std::string path(const std::string& name) const { return temp_.path(name); }

  static std::vector<data::Task> tasks() {
    std::vector<data::Task> out;
    auto add = [&](const std::string& id, data::Category c, data::Difficulty d, const std::string& split) {
      data::Task t;
      t.id = id;
      t.prompt = "What is " + std::to_string(out.size() + 2) + " times 3?";
      t.category = c;
      t.difficulty = d;
      t.optimal_tool = "python";
      t.check = data::Check::exact;
      t.ground_truth_output = std::to_string((out.size() + 2) * 3);
      t.source = "test";
      t.split = split;
      out.push_back(t);
    };
    add("t-a1", data::Category::pure_reasoning, data::Difficulty::easy, "test");
    add("t-a2", data::Category::pure_reasoning, data::Difficulty::easy, "test");
    add("t-b1", data::Category::execution_required, data::Difficulty::hard, "test");
    add("t-b2", data::Category::execution_required, data::Difficulty::hard, "test");
    add("t-c1", data::Category::multi_step, data::Difficulty::intermediate, "test");
    add("t-c2", data::Category::multi_step, data::Difficulty::intermediate, "train");
    return out;
  }

  // 5 test-split tasks x 1 format x 3 modes x 1 model = 15 episodes.
  experiment::RunConfig config(const std::string& name) const {
    experiment::RunConfig c;
    c.file = path(name + ".toml");
    c.text = "name = \"" + name + "\"  # written in code";
    c.name = name;
    c.seed = 5;
    c.tasks = path("tasks.jsonl");
    c.split = "test";
    c.models = {{"tiny", AGENTCODER_TINY_MODEL, "", {}, 0}};
    c.formats = {"direct"};
    c.modes = {Mode::free, Mode::force_tool, Mode::force_text};
    c.tools = {"python"};
    c.prompts_dir = AGENTCODER_PROMPTS_DIR;
    c.max_steps = 2;
    c.max_tokens = 32;
    c.max_tokens_per_step = 16;
    c.parallel = 3;
    c.context_per_sequence = 1024;
    c.threads = 2;
    return c;
  }

  agentcoder::testing::TempDir temp_;
  const std::string dir_ = temp_.root();
};

}  // namespace experiment_test
