// ScoredEpisode: one stored episode flattened for analysis, with its score.
// It is what the metrics, the comparisons and the report read; everything
// they need is here, so they never touch SQLite or the sandbox and can be
// tested on hand-made fixtures.
//
// load_scored_episodes() builds them from a results file: episodes, their
// tool calls, the run's task snapshot and the stored scores (`agentcoder
// score` writes those). An episode not yet scored has scored == false.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "utils/vocabulary.h"

namespace agentcoder::store {
class ResultsStore;
struct StoredRun;
}

namespace agentcoder::evaluation {

// One tool call as the analysis sees it.
struct CallView {
  int step = 0;              // index of the step whose reply made the call
  std::string tool;          // as called
  bool offered = false;      // the tool was among those offered to the episode
  bool executed = false;     // the tool ran (tool_calls.executed: false when refused, unknown tool, bad arguments, force_text)
  bool ok = false;           // it ran and succeeded
  std::string error_class;   // as the tool recorded it ("" when ok)
  // The failure in the study's classes (failure_class() below); nullopt
  // when ok, or when a failed call recorded no error class.
  std::optional<FailureClass> failure;
  // Recorded and by design never run (error_class kNotRunByDesign: a task's
  // own functions, BFCL): neither a success nor a failure of the model.
  bool not_run_by_design = false;
};

struct ScoredEpisode {
  // Identity and grouping.
  std::string key_id;
  std::string task_id;
  std::string task_sha256;    // the task's content (EpisodeKey::task_sha256); "" = not tracked
  uint64_t seed = 0;          // the sampling seed (EpisodeKey::seed): repeated samples differ in it
  int sample = 0;             // which repeated sample (EpisodeKey::sample), 0..samples-1
  std::string variant;        // model variant label
  std::string prompt_format;  // direct, cot, tool_description
  Mode mode = Mode::free;
  std::string category;       // pure_reasoning, execution_required, ambiguous, multi_step
  std::string difficulty;     // easy, intermediate, hard
  std::string check;          // the task's ground-truth kind (data::Check name)
  std::string source;         // the task's data source (its `source`); "unknown" when the snapshot has none
  // The label: the best tool ("python", "math", "docs" or "none") and the
  // other acceptable ones.
  std::string optimal_tool;
  std::vector<std::string> alternative_tools;
  std::vector<std::string> offered_tools;
  // The generator family of a generated task (its `generator.family`) and
  // the family's difficulty knob: the first of the family's `knobs` (the
  // task records them in the family's order) with its value here. "" and
  // nullopt for tasks without a family or without a numeric first knob.
  std::string family;
  std::string knob;
  std::optional<double> knob_value;

  // What happened.
  StopReason stop_reason = StopReason::final_answer;
  ReplyKind first_decision = ReplyKind::text;
  std::string first_tool;      // tool of the first call ("" unless first_decision == tool_call)
  std::optional<double> p_tool;  // decision probe at the first reply
  int steps = 0;
  std::vector<CallView> calls;  // in order
  int64_t prompt_tokens = 0;
  int64_t generated_tokens = 0;
  double prompt_eval_ms = 0, decode_ms = 0, tool_ms = 0, queue_ms = 0, wall_ms = 0;
  // For throughput (README "Throughput"), summed over the replies: the
  // prompt tokens evaluated (not taken from a shared prefix) in
  // prompt_eval_ms, and the tokens generated after each reply's first (the
  // first is sampled at the end of prompt evaluation) in decode_ms.
  int64_t prompt_evaluated_tokens = 0;
  int64_t decoded_tokens = 0;
  int64_t kv_bytes = 0;  // most KV-cache bytes one reply held (0 = not recorded)

  // The score (evaluation/scorer.h).
  bool scored = false;
  std::optional<bool> correct;  // nullopt: the check kind has no correctness (decision tasks)
  double score = 0;             // in [0, 1]; rubric: fraction of points matched
  // The process (scorer.h): whether the calls that ran followed the task's
  // expected tool sequence; nullopt when the task has none or the episode
  // is not scored. It never decides `correct`, which is the outcome.
  std::optional<bool> process_followed;
  // abstain tasks (BFCL irrelevance): the scorer's detail.outcome, "call",
  // "malformed", "abstention" or "no_reply"; "" for other checks.
  std::string abstain_outcome;
  // Fabricated execution: the answer claims a computed result or shows an
  // output block although nothing was executed; when its code could be run
  // afterwards, fabrication_false says whether the claim was wrong.
  bool fabrication_claim = false;
  std::optional<bool> fabrication_false;
};

// The study's failure class of a failed call's error_class
// (tools/python_failure.h); nullopt when it ran and recorded none.
std::optional<FailureClass> failure_class(const std::string& error_class, bool executed);

// Every episode of `run`, in stored order. Without a task snapshot (runs
// stored before there was one) check and alternative_tools stay empty.
// Throws InputError naming the episode when a stored name is not in the
// vocabulary (utils/vocabulary.h).
std::vector<ScoredEpisode> load_scored_episodes(store::ResultsStore& store, const store::StoredRun& run);

}  // namespace agentcoder::evaluation
