// compute_metrics: every metric of README.md ("Definitions", "metrics JSON")
// for a run's scored episodes, per condition (variant, prompt_format, mode),
// plus regret and decision-probe calibration per arm (variant,
// prompt_format).
//
// Contract: the result has exactly the README's keys, in its order; a rate
// whose denominator is empty is null, never 0. The result depends only on
// the episodes and the options: the same input and seed give the same JSON
// (bootstrap CIs included). Conditions are sorted by variant, prompt_format,
// then mode (free, force_tool, force_text, then others by name).
//
// Where the README leaves a choice open, this is what the numbers mean:
// - n counts every episode of the condition (scored or not). Correctness
//   metrics use scored episodes with a correctness; decision metrics use
//   labelled episodes whose first action is tool_call, text or malformed.
//   by_cell / by_category / by_difficulty / by_source "n" count episodes
//   too; "judged" in the last three counts those with a correctness (the
//   accuracy's denominator).
// - accuracy CI: estimate_with_ci() below, the one interval every layer
//   prints (metrics, compare, report, export-metrics).
// - process: {value, n}: process_rate_of over the episodes whose task has
//   an expected tool sequence (n of them). Accuracy is the outcome only.
// - tool_use_rate: valid first calls / n. by_category/by_difficulty/
//   by_source "f1" is the decision F1 with malformed attempts counted as
//   calls. by_source groups by the task's data source (ScoredEpisode::source).
// - tool_selection_accuracy: tool_selection_accuracy_of() below, over the
//   labelled episodes.
// - per_tool: precision over episodes whose first call used the tool (was it
//   optimal or an alternative?), recall over episodes labelled with it (was
//   the first call optimal or an alternative?), F1 = 2PR/(P+R), null when P
//   or R is. Rows: python, math, docs, then other labelled tools.
// - irrelevance: {n, call_rate, abstention_rate, malformed_rate} over the
//   scored episodes of abstain tasks (BFCL irrelevance), from the scorer's
//   outcome of the first reply; episodes with no reply count in n only.
// - over-/under-use use valid calls and text only (malformed is neither).
// - hallucinated_calls counts hallucinated calls (hallucination.h: calls to
//   tools not offered, and in distractor mode every call); hallucination_rate
//   is the share of episodes with at least one, hallucination_ci its
//   interval {lo, hi} (estimate_with_ci, metric "hallucination_rate").
//   p_tool {n, mean, lo, hi}: mean_p_tool_of() over the n episodes with a
//   probe and its interval (metric "p_tool"); in no_tools and distractor the
//   propensity to a hallucinated call, graded where the counts are 0.
// - samples (last key of a condition): samples_metrics.h, null unless some
//   task has two samples; the top level's sample_flips, per arm, too.
// - unnecessary_tool_calls counts every call (run or not) in episodes
//   labelled none, except calls to the task's alternative_tools.
//   kv_mb_per_inference is MiB (2^20 bytes), averaged over episodes that
//   recorded kv_bytes.
// - throughput (per condition, per sequence): generation_tokens_per_s =
//   decoded_tokens / decode time, prompt_tokens_per_s = evaluated prompt
//   tokens / prompt-eval time, both summed over the condition's episodes
//   (ScoredEpisode); null when the time is 0.
// - errors: a failed execution is a call with ok == false (bad calls
//   included), counted by CallView::failure; a call not run by design (a
//   task's own function) is neither a failure nor a success. recovery@k starts at the first
//   failure; loops and give-ups count episodes. wrong_result needs at least
//   one call.
// - fabrication looks at scored episodes without an executed call.
// - regret / calibration: a mode's correctness on a task is its solved share
//   (necessity.h task_tallies(), the count necessity reads too); best choice "tool" when force_tool > force_text,
//   "either" when equal and > 0. Calibration takes every free episode's
//   p_tool (scored or not) on tasks where the two forced modes differ.
// - necessity / boundaries (issue 17): necessity.h (per-model necessity and
//   the knowing-doing cells, at options.necessity_threshold) and boundary.h
//   (decision against competence boundary per generator family).
//
// The building blocks below the entry point are shared with compare.h,
// which recomputes a few of them on bootstrap resamples.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "evaluation/scored_episode.h"
#include "evaluation/stats.h"
#include "store/variant_resources.h"

namespace agentcoder::evaluation {

struct MetricsOptions {
  std::string run_name;
  int bootstrap_samples = 1000;  // 0: no confidence intervals (lo, hi null)
  uint64_t seed = 1;
  // What each variant used, as the run stored it (store::variant_resources);
  // a variant missing here has null memory figures.
  std::map<std::string, store::VariantResources> variant_resources;
  // Necessity (necessity.h): a task needs the tool unless force_text solves
  // at least this share of its samples; in (0, 1], 1 = all of them.
  double necessity_threshold = 1.0;
};

nlohmann::ordered_json compute_metrics(const std::vector<ScoredEpisode>& episodes, const MetricsOptions& options);

// The metrics JSON's "variants": one row per variant (sorted by name) of
// the episodes or of `resources`: its weight bytes, peak RSS and GPU bytes
// (null when not stored; GPU bytes also null without a GPU), the mean and
// max KV bytes of its episodes, the engine's aggregate generation rate
// (generated tokens / wall time of the variant's episodes in the process
// that measured it) and what the figures cover (note). Also in compare.
nlohmann::ordered_json variants_json(const std::vector<ScoredEpisode>& episodes,
                                     const std::map<std::string, store::VariantResources>& resources);

// ---- Building blocks (also used by compare.h) ----

using EpisodeRefs = std::vector<const ScoredEpisode*>;

// Episodes grouped by condition, in the order described above.
struct Condition {
  std::string variant, prompt_format;
  Mode mode = Mode::free;
  EpisodeRefs episodes;  // in stored order
  std::string name() const { return variant + "/" + prompt_format + "/" + to_string(mode); }
};
std::vector<Condition> group_conditions(const std::vector<ScoredEpisode>& episodes);

// A statistic of a set of episodes (a condition, or a bootstrap resample of
// its tasks); nullopt when it has no value there.
using EpisodeStatistic = std::function<std::optional<double>(const EpisodeRefs&)>;

// `statistic` on `episodes` with its 95% percentile bootstrap interval (R
// type 7 quantiles): `samples` resamples of the episodes' tasks (a task's
// repeats move together; tasks in task_id order), drawn from
// data::derive_seed(seed, label). The label names the quantity:
// "<condition name>:<metric>", e.g. "base/direct/free:accuracy" (ci_label).
// Every layer that prints an interval gets it here, so one accuracy of one
// condition has one interval. ci is nullopt without a value or with
// samples <= 0.
struct Estimate {
  std::optional<double> value;
  std::optional<Interval> ci;
};
Estimate estimate_with_ci(const EpisodeRefs& episodes, const EpisodeStatistic& statistic, int samples, uint64_t seed,
                          const std::string& label);
std::string ci_label(const Condition& condition, const std::string& metric);

// Mean correctness over the scored episodes that have one; nullopt when none
// has.
std::optional<double> accuracy_of(const EpisodeRefs& episodes);

// Share of episodes with an expected tool sequence whose calls followed it
// (ScoredEpisode::process_followed); nullopt when none has one.
std::optional<double> process_rate_of(const EpisodeRefs& episodes);

// Share of episodes whose first action is a valid tool call; nullopt when
// there are no episodes.
std::optional<double> tool_use_rate_of(const EpisodeRefs& episodes);

// Mean decision probe (p_tool) over the episodes where the model decides
// (model_decides(): free, no_tools, distractor) and p_tool was measured;
// nullopt when none was. Forced modes are never read: files before schema
// version 4 stored a probe there.
std::optional<double> mean_p_tool_of(const EpisodeRefs& episodes);

// Binary decision counts: label positive when optimal_tool != "none",
// predicted positive when the first action is a call (a malformed attempt
// counts as one when malformed_as_call). Episodes without a label or without
// a first action (tool_call, text, malformed) are left out.
struct DecisionCounts {
  int64_t tp = 0, fp = 0, fn = 0, tn = 0;
  std::optional<double> precision() const;
  std::optional<double> recall() const;
  std::optional<double> f1() const;  // 2tp / (2tp + fp + fn)
  std::optional<double> accuracy() const;
};
DecisionCounts decision_counts(const EpisodeRefs& episodes, bool malformed_as_call);

// Tool selection accuracy, the seed's primary metric ("% of optimal tool
// choices"): among labelled episodes, the share whose first action is one
// of the label's choices: a call to optimal_tool or to one of
// alternative_tools, or text where optimal_tool (or an alternative) is
// "none". A malformed first reply is no choice (it counts, as wrong).
std::optional<double> tool_selection_accuracy_of(const EpisodeRefs& episodes);

// Per-sequence throughput of a set of episodes: {"generation_tokens_per_s":
// decoded_tokens / decode time, "prompt_tokens_per_s": evaluated prompt
// tokens / prompt-eval time}, sums over the episodes; null when the time is 0.
nlohmann::ordered_json throughput_json(const EpisodeRefs& episodes);

// BFCL irrelevance (abstain tasks): {"n", "call_rate", "abstention_rate",
// "malformed_rate"} over the scored abstain episodes, from the scorer's
// outcome of the first reply (README "Irrelevance"). Also in compare's rows.
nlohmann::ordered_json irrelevance_json(const EpisodeRefs& episodes);

// Over-use: valid first calls among episodes labelled none, except calls to
// a tool the task lists in alternative_tools. Under-use: text first actions
// among episodes labelled with a tool.
std::optional<double> over_use_rate_of(const EpisodeRefs& episodes);
std::optional<double> under_use_rate_of(const EpisodeRefs& episodes);

}  // namespace agentcoder::evaluation
