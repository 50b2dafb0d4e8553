// Comparisons across a run's conditions (`agentcoder compare`):
//
// - compare_conditions: per-metric tables with 95% bootstrap CIs (tasks
//   resampled; metrics.h estimate_with_ci, so a condition's accuracy has the
//   interval `metrics` prints). Rows differ in one dimension (`by`: variant,
//   prompt_format or mode); the other two are held fixed, one table per
//   fixed pair. `by` source: one table per condition, a row per data source
//   of its tasks. Rows give n (episodes), judged (with a correctness) and
//   tasks, each row its per-sequence throughput (metrics.h throughput_json),
//   and "variants" each variant's memory and engine throughput
//   (metrics.h variants_json); "necessity" and "boundaries" are the metrics
//   JSON's (necessity.h, boundary.h) over the same episodes, so they carry
//   the same intervals as `metrics`.
// - compare_pair: two selections of episodes (named "variant/prompt_format/
//   mode", any part may be left out or given as a unique substring), paired
//   on shared tasks: task_id and seed, plus every dimension the two names do
//   not differ in; repeats left with the same key pair in stored order.
//   Reports both accuracies on the pairs judged on both sides, the 95%
//   paired bootstrap CI of the difference B - A (tasks resampled; stats.h
//   paired_mean_difference), McNemar on correctness and the decision-flip
//   matrix: rows the first action in A, columns in B, each cell split by
//   whether the outcome got better (only B correct), worse (only A correct)
//   or stayed the same (both or neither correct); pairs where either side
//   has no correctness count in the cell's n only. The same again per task
//   category, and the unpaired episodes of each side counted by reason.
// - compare_runs: the same across two runs (RUN_A RUN_B): tasks paired by
//   id, and refused when one id has different content (task_sha256) in the
//   two runs; each side must select one variant; prompt format and mode are
//   matched unless both selections name them. A variant name found in both
//   runs is shown as "NAME@RUN" (run names equal: "NAME@A", "NAME@B"); the
//   condition tables are compare_conditions over both runs' episodes.
//
// Contract: deterministic for a given seed; names that match nothing, or
// match ambiguously, throw InputError.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "evaluation/scored_episode.h"
#include "store/variant_resources.h"

namespace agentcoder::evaluation {

struct CompareOptions {
  std::string run_name;
  std::string by = "variant";  // variant, prompt_format, mode or source
  int bootstrap_samples = 1000;
  uint64_t seed = 1;
  // As the run stored them (store::variant_resources): the "variants" rows.
  std::map<std::string, store::VariantResources> variant_resources;
  double necessity_threshold = 1.0;  // necessity.h; the "necessity" rows
};

nlohmann::ordered_json compare_conditions(const std::vector<ScoredEpisode>& episodes, const CompareOptions& options);
struct PairOptions {
  int bootstrap_samples = 1000;  // for the CI of the accuracy difference; 0 = none
  uint64_t seed = 1;             // derived per quantity (data::derive_seed) from the pair's names
};
nlohmann::ordered_json compare_pair(const std::vector<ScoredEpisode>& episodes, const std::string& a,
                                    const std::string& b, const PairOptions& options = {});

// One run's episodes for compare_runs.
struct RunEpisodes {
  std::string name;
  std::vector<ScoredEpisode> episodes;
  std::map<std::string, store::VariantResources> variant_resources;
};
struct CompareRunsOptions {
  std::string by = "variant";  // of the condition tables
  int bootstrap_samples = 1000;
  uint64_t seed = 1;
  // Selections (as compare_pair's names) within RUN_A and RUN_B; "" = all.
  std::string select_a, select_b;
  double necessity_threshold = 1.0;  // of the condition tables' "necessity"
};
// {"runs": {"a", "b"}: name, episodes, variants with how each is shown;
//  "tables": compare_conditions; "pair": as compare_pair}.
nlohmann::ordered_json compare_runs(const RunEpisodes& a, const RunEpisodes& b, const CompareRunsOptions& options);

// A name resolved to the episodes it selects; "" = any value.
struct Selection {
  std::string variant, prompt_format, mode;
  std::string name() const;  // "base/*/free"
};
Selection resolve_selection(const std::vector<ScoredEpisode>& episodes, const std::string& name);

}  // namespace agentcoder::evaluation
