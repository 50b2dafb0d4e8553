// Metrics over repeated samples (RunConfig::samples = K: K episodes per task
// and condition, told apart by EpisodeKey::sample), defined in README.md
// "Repeated samples". Every quantity is a mean over tasks of a per-task
// value computed from that task's samples, so a task weighs the same
// whatever its K; its 95% interval resamples tasks (stats.h bootstrap_ci,
// the task's samples move with it), seeded by data::derive_seed(seed,
// "<condition>:samples.<metric>") (ci_label).
//
// samples_json() is null for a condition in which no task has two samples,
// so one-sample runs print nothing new. sample_flips_json() gives, per arm
// (variant, prompt_format), the share of tasks whose best choice differs
// between samples; an arm with no task of two paired samples has no row.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "evaluation/metrics.h"

namespace agentcoder::evaluation {

// The unbiased pass@k of a task with n samples of which c are correct
// (Chen et al. 2021): 1 - C(n-c, k) / C(n, k). Needs 1 <= k <= n, 0 <= c <= n.
double pass_at_k(int n, int c, int k);

// Per-task values, by task_id (tasks without a value left out):
// - accuracy: correct / samples with a correctness;
// - tool use: samples whose first action is a valid call / samples;
// - pass@k: pass_at_k over the samples with a correctness, tasks with >= k;
// - consistency: of the task's n >= 2 samples with a first action, the
//   share of the n(n-1)/2 pairs whose first actions (tool_call, text,
//   malformed) are the same;
// - unanimity: 1 when all of its n >= 2 samples' first actions are the same, else 0.
enum class SampleQuantity { accuracy, tool_use, pass_at_k, consistency, unanimity };
std::map<std::string, double> per_task_values(const EpisodeRefs& episodes, SampleQuantity quantity, int k = 1);

nlohmann::ordered_json samples_json(const Condition& condition, int bootstrap_samples, uint64_t seed);

// Per arm: tasks whose force_tool and force_text samples pair up (the same
// sample index, so the same seed) with a correctness on both sides at least
// twice. A pair's best choice is tool (only force_tool correct), text (only
// force_text), either (both) or neither. flip_share: tasks whose pairs do
// not all have one best choice; tool_text_flip_share: tasks with a pair
// whose best choice is tool and another whose is text.
nlohmann::ordered_json sample_flips_json(const std::vector<Condition>& conditions);

}  // namespace agentcoder::evaluation
