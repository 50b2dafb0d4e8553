// Tool necessity per model (README "Necessity"): whether a task needs the
// tool *for this model*, judged from the model's own force_text episodes,
// not from the label.
//
// task_necessity() is the one definition; metrics, compare, the report and
// the training exports all call it. For one arm (variant, prompt format) and
// task, over its force_text episodes that have a correctness (every sample:
// one greedy episode, or K samples):
//   solved_share = solved / judged;
//   necessary = solved_share < threshold, i.e. the tool is needed unless the
//               task is solved without it in at least `threshold` of the
//               samples. threshold is in (0, 1]; the default 1 means "in all
//               of them" (K of K);
//   benefits  = force_tool's solved share > force_text's (both judged).
// necessary is nullopt without a judged force_text episode, benefits without
// a judged episode in either forced mode.
//
// necessity_json(): the metrics JSON's "necessity" rows, one per arm: the
// knowing-doing split of the free episodes' first decision (called = a valid
// tool call, as tool_use_rate) against necessity, four cells each with its
// share of the arm's free episodes on tasks with a necessity and its 95%
// bootstrap CI (metrics.h estimate_with_ci, tasks resampled, label
// "<free condition>:necessity.<cell>"), the mismatch (necessary and not
// called, or unnecessary and called) likewise, the label's agreement with
// necessity (over tasks with both: label says a tool == necessary), and the
// per-task list.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "evaluation/metrics.h"
#include "evaluation/scored_episode.h"

namespace agentcoder::evaluation {

inline constexpr double kDefaultNecessityThreshold = 1.0;

// A task's empirical best choice for one arm, from force_tool's and
// force_text's solved shares: the mode that solved it more often; either
// when they tie above 0; neither when both are 0. Regret, the training
// exports and the sample flips all classify by it.
enum class BestChoice { tool, text, either, neither };
const char* to_string(BestChoice choice);
BestChoice best_choice(double force_tool_share, double force_text_share);

struct SolvedTally {
  int64_t solved = 0, judged = 0;  // episodes correct / episodes with a correctness
  int64_t episodes = 0;            // all of the mode's episodes on the task, judged or not
  std::optional<double> share() const;
};

// How often each mode solved one task of one arm (variant, prompt format):
// the one count that necessity, the best choice, regret and calibration
// read. A mode's share is over its episodes with a correctness (one greedy
// episode, or K samples).
struct TaskTallies {
  std::string variant, prompt_format, task_id;
  SolvedTally free, force_tool, force_text;
};

// One row per (variant, prompt format, task) with an episode in free,
// force_tool or force_text, sorted by those three.
std::vector<TaskTallies> task_tallies(const std::vector<ScoredEpisode>& episodes);

struct TaskNecessity {
  std::string variant, prompt_format, task_id;
  SolvedTally force_text, force_tool;
  std::optional<bool> necessary;
  std::optional<bool> benefits;
  std::optional<bool> label_says_tool;  // the task's label: optimal_tool != "none"; nullopt unlabelled
};

// One row per (variant, prompt format, task) with a forced-mode episode,
// sorted by those three. Throws std::invalid_argument for a threshold
// outside (0, 1] (the CLI refuses it first, naming the flag).
std::vector<TaskNecessity> task_necessity(const std::vector<ScoredEpisode>& episodes, double threshold);

// The metrics JSON's "necessity" array (README "metrics JSON").
nlohmann::ordered_json necessity_json(const std::vector<ScoredEpisode>& episodes, const MetricsOptions& options);

}  // namespace agentcoder::evaluation
