// A scored run of the tiny model, made through the agentcoder binary the way
// a user makes one: four tasks, one format, the three modes, the python
// tool (12 episodes, about 30 s). The tiny model's weights are random, so
// its answers are all wrong; the exports still carry every shape it wrote
// (text, a force_tool call that did not parse and the harness's reply).
#pragma once

#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "support/cli_run.h"
#include "support/temp_dir.h"

namespace training_test {

inline std::string tiny_config_text(const std::string& name) {
  return "name = \"" + name + "\"\nseed = 5\n[data]\ntasks = \"tasks.jsonl\"\nsplit = \"test\"\n"
         "[[models]]\nname = \"tiny\"\npath = \"" AGENTCODER_TINY_MODEL "\"\n"
         "[agent]\nformats = [\"direct\"]\nmodes = [\"free\", \"force_tool\", \"force_text\"]\ntools = [\"python\"]\n"
         "prompts = \"prompts\"\nmax_steps = 2\nmax_tokens = 32\nmax_tokens_per_step = 16\n"
         "[engine]\nparallel = 3\ncontext_per_sequence = 1024\nthreads = 2\n";
}

// Writes tasks.jsonl, prompts/direct.txt and <name>.toml into `dir`, runs and scores; returns
// the config's path. Fails the test when a command fails.
inline std::string make_tiny_run(const agentcoder::testing::TempDir& dir, const std::string& name) {
  std::string tasks;
  const char* cells[][3] = {{"pure_reasoning", "easy", "none"}, {"execution_required", "hard", "python"},
                            {"multi_step", "intermediate", "python"}, {"execution_required", "easy", "python"}};
  for (int i = 0; i < 4; ++i)
    tasks += "{\"id\": \"t" + std::to_string(i) + "\", \"prompt\": \"What is " + std::to_string(i + 2) +
             " times 3?\", \"category\": \"" + cells[i][0] + "\", \"difficulty\": \"" + cells[i][1] +
             "\", \"optimal_tool\": \"" + cells[i][2] + "\", \"check\": \"exact\", \"ground_truth_output\": \"" +
             std::to_string((i + 2) * 3) + "\", \"source\": \"test\", \"split\": \"test\"}\n";
  dir.write("tasks.jsonl", tasks);
  // The format's prompt in the run's own folder, so a test can edit it.
  std::ifstream prompt(AGENTCODER_PROMPTS_DIR "/direct.txt");
  dir.write("prompts/direct.txt", std::string(std::istreambuf_iterator<char>(prompt), {}));
  const std::string config = dir.write(name + ".toml", tiny_config_text(name));
  auto r = agentcoder::testing::run_cli(AGENTCODER_BIN, "run " + config + " --results " + dir.path("results"));
  EXPECT_EQ(r.code, 0) << r.out;
  r = agentcoder::testing::run_cli(AGENTCODER_BIN, "score " + dir.path("results/" + name));
  EXPECT_EQ(r.code, 0) << r.out;
  return config;
}

}  // namespace training_test
