// The synthetic benchmark generator: families x difficulty levels -> tasks
// whose ground truth comes from running each family's reference solution in
// the sandbox.
//
// Deterministic for a seed: every draw comes from a stream derived from
// (seed, family, level, candidate index), families are visited in id order,
// and the sandbox only computes answers. For each category x difficulty cell,
// per_cell tasks are spread over the category's families; each family draws
// extra candidates so that duplicates (by normalised prompt) can be dropped.
// A reference that fails (an exception, a timeout, tests failing on its own
// solution) is a bug in the family: generate() throws naming the family.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/family.h"
#include "data/reference_runner.h"
#include "data/task.h"
#include "sandbox/sandbox.h"

namespace agentcoder::data {

struct GenerateOptions {
  uint64_t seed = 1;
  int per_cell = 50;
  int jobs = 2;
  double distractor_rate = 0.25;
};

struct GenerateReport {
  int candidates = 0;   // parameter sets drawn and run
  int duplicates = 0;   // dropped as duplicate prompts
  std::vector<std::string> short_cells;  // cells that got fewer than per_cell
};

std::vector<Task> generate(const std::vector<Family>& families, sandbox::Sandbox& sandbox,
                           const GenerateOptions& options, GenerateReport* report = nullptr);

// Fills a task's ground-truth fields from what the reference returned (also
// used by verify). Throws std::invalid_argument when the output does not fit
// the family's check kind.
void apply_reference_output(const Family& family, const nlohmann::ordered_json& out, Task& task);

// Builds one task from a family, a level, sampled parameters and the
// reference's output. `seed` drives phrasing and augmentation choices.
Task build_task(const Family& family, Difficulty difficulty, const nlohmann::ordered_json& params,
                const nlohmann::ordered_json& out, uint64_t seed, double distractor_rate);

}  // namespace agentcoder::data
