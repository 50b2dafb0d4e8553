// Scores one stored episode against its task's ground truth: correctness by
// the task's check kind (README "Correctness") and the fabricated-execution
// check (fabrication.h). Generation is not involved, so a run can be scored
// again after the scorer changes; kScorerVersion says which scorer wrote a
// score.
//
// Per check (the final answer is EpisodeRecord::final_answer, whatever the
// outcome; an empty one is wrong):
//   exact        some answer candidate (answer_extract.h) equals
//                ground_truth_output after normalisation, or both are one
//                number and equal ("1,000,000" = "1000000")
//   numeric      some candidate number is within abs_tol / rel_tol of answer
//   unit_tests   the model's final code (the last python call that ran, else
//                the last python block of the answer; run by exec() with
//                SystemExit caught) + test_setup + tests run in the sandbox;
//                correct when the program exits 0 and the marker printed
//                after the tests is the last line of stdout
//   rubric       score = points matched / points; correct when all match
//   final_state  the outcome: every part the task has must hold, tests (as
//                unit_tests) and ground_truth_output (as exact); how the
//                episode got there is the process, below
//   answer_check the task's checker on the final answer, in the sandbox
//   call_match   some call names an expected function with arguments that
//                match (BFCL: each argument among its listed values, every
//                argument not marked optional present); a call in a
//                malformed reply is an attempt and never matches
//   abstain      the first reply is a clean text reply (BFCL irrelevance);
//                detail["outcome"] is "call", "malformed", "abstention" or
//                "no_reply", and only "abstention" is correct
//   decision     correct = nullopt; only decision metrics apply
//
// The process, for a task with expected_tools (multi-step tasks): whether
// the tools whose calls ran contain expected_tools in order (a
// subsequence), in detail["process"] = {expected, ran, followed}. It never
// decides correctness: a right answer reached another way is right, and
// metrics report the process as its own measure.
//
// Contract: score_episode never throws. When a check cannot be carried out
// (the sandbox fails, the task lacks its ground truth, a rubric regex is
// invalid) the score has correct = nullopt and detail["error"] says why.
// detail also records what the check saw (candidates, the program's exit
// status and output tails, the points matched), so a score can be audited.
// score_episodes runs several episodes at once; the sandbox is thread-safe.
//
// score_run scores a stored run and stores the scores (replacing earlier
// ones): tasks come from the run's snapshot, else from a task file.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/task.h"
#include "sandbox/sandbox.h"
#include "store/episode_record.h"
#include "store/results_store.h"
#include "store/score_record.h"

namespace agentcoder::evaluation {

// Bump when a check changes what it accepts.
// 2: tolerance slack, thousands separators in exact, marked candidates only,
// last-line shapes, \frac and $...$, tests must run to the end, fabrication
// unchecked on an unrelated failure.
// 3: final_state scores the outcome only; the expected tool sequence is the
// process (detail.process), reported apart.
// 4: call_match never matches a call in a malformed reply; the abstain
// check (BFCL irrelevance, three outcomes) replaces decision for those sets.
inline constexpr const char* kScorerVersion = "4";

struct ScorerOptions {
  // For the programs the scorer runs (tests, checkers, an answer's code).
  // Longer than the tool's default: tests run after the model's code, and
  // several scoring jobs share the CPUs.
  sandbox::Limits limits = [] {
    sandbox::Limits l;
    l.wall_seconds = 10;
    return l;
  }();
};

store::ScoreRecord score_episode(const data::Task& task, const store::EpisodeRecord& episode,
                                 sandbox::Sandbox& sandbox, const ScorerOptions& options = {});

struct ScoreJob {
  const data::Task* task = nullptr;
  const store::EpisodeRecord* episode = nullptr;
};

// One score per job, in the jobs' order, over `threads` threads (>= 1).
std::vector<store::ScoreRecord> score_episodes(const std::vector<ScoreJob>& jobs, sandbox::Sandbox& sandbox,
                                               int threads, const ScorerOptions& options = {});

struct RunScoreOptions {
  std::string tasks_file;  // JSONL; for tasks the run's snapshot lacks ("" = none)
  int jobs = 1;
  ScorerOptions scorer;
};

struct RunScoreSummary {
  struct Condition {
    std::string variant, prompt_format, mode;
    int n = 0;        // episodes scored
    int judged = 0;   // with a correctness (not decision tasks, not scorer errors)
    int correct = 0;
  };
  std::vector<Condition> conditions;  // sorted by (variant, prompt_format, mode)
  int episodes = 0;
  int scored = 0;
  int skipped = 0;        // no task for the episode
  int scorer_errors = 0;  // scored with detail.error
  // Fabricated execution over the scored episodes.
  int without_execution = 0, claims = 0, checked = 0, false_claims = 0;
};

// Scores every episode of `run` in batches, storing each batch's scores.
// `note` gets one line per skipped episode, scorer error or unreadable task.
// Throws InputError when there are no tasks at all (no snapshot, no file).
RunScoreSummary score_run(store::ResultsStore& results, const store::StoredRun& run, sandbox::Sandbox& sandbox,
                          const RunScoreOptions& options, const std::function<void(const std::string&)>& note);

// The model's final code, as unit_tests runs it: the last python call that
// ran, else the last python block of the answer. source is "python_call",
// "answer_block" or "none".
struct FinalCode {
  std::string code;
  std::string source;
  int step = -1;  // the step of the call, for python_call
};
FinalCode final_code(const store::EpisodeRecord& episode);

// What a program run looked like, for detail: exit status, timing, and the
// last part of each stream (valid UTF-8).
nlohmann::json exec_summary(const sandbox::ExecResult& result);
// The last `max_bytes` of `text` (whole characters), marked when cut.
std::string clip_tail(const std::string& text, size_t max_bytes);

}  // namespace agentcoder::evaluation
