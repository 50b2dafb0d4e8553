// What the evaluation keeps beside a run's episodes:
//   StoredTask   the run's tasks as posed (their JSON), so that a run can be
//                scored later even if the task file changed or is gone;
//   ScoreRecord  one episode's score, written by `agentcoder score` and
//                replaced when it re-scores.
// The store treats both as data; what a check means lives in src/evaluation.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace agentcoder::store {

struct StoredTask {
  std::string task_id;
  std::string task_sha256;  // as in EpisodeKey::task_sha256
  std::string task_json;    // data/task_json.h's form

  bool operator==(const StoredTask&) const = default;
};

struct ScoreRecord {
  std::string key_id;  // the episode's key
  std::string scorer_version;
  std::string check;                // the task's ground-truth kind
  std::optional<bool> correct;      // nullopt: no correctness for this kind, or the check failed to run
  double score = 0;                 // in [0, 1]
  std::string extracted_answer;     // what the check compared
  nlohmann::json detail;            // what the check saw, for auditing; null when nothing
  bool fabrication_claim = false;   // claimed an executed result without executing
  std::optional<bool> fabrication_false;  // the claim, checked by running the code, was wrong
  std::string scored_at;            // ISO 8601 UTC, set by the store

  bool operator==(const ScoreRecord&) const = default;
};

}  // namespace agentcoder::store
