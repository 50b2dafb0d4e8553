// TrainingSet: a stored run as the training exports read it. Each episode
// with its steps (what the model wrote, the calls and their results) beside
// its flat, scored view (labels, correctness, first decision), plus what
// the store does not keep: the system prompt of each format and the tool
// schemas offered, which the caller rebuilds from the run's config.
//
// Contract:
// - Episodes are in a fixed order that depends only on what was run, not on
//   the order the store received them (parallel runs store in any order):
//   variant, prompt format, task id, mode (free, force_tool, force_text),
//   seed, key id. Every export iterates in this order, so an export of one
//   run is byte-identical each time.
// - load_training_set() refuses (InputError naming the episode) tools whose
//   schemas hash differently from what the episode's key recorded as
//   offered, a first turn that hashes differently from the key's
//   prompt_sha256 (PromptContext::first_turn), a format without a system
//   prompt, and a task missing from the run's task snapshot: the exports
//   would not show what the model saw.
// - The forced-mode oracle follows evaluation/README.md's "empirical best
//   choice": per variant, format and task, mean correctness under
//   force_tool against force_text.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "evaluation/necessity.h"
#include "evaluation/scored_episode.h"
#include "store/episode_record.h"
#include "store/run_record.h"

namespace agentcoder::store {
class ResultsStore;
}

namespace agentcoder::training {

struct TrainingEpisode {
  evaluation::ScoredEpisode scored;
  store::StoredEpisode stored;  // with its steps
  nlohmann::ordered_json knobs;  // the task's difficulty knobs ({} when none)
};

// What the store does not keep of the first turn.
struct PromptContext {
  std::map<std::string, std::string> system_prompts;  // prompt format name -> system prompt
  // The tools as offered, tools::ToolRegistry::declarations() form:
  // [{"type": "function", "function": {name, description, parameters}}].
  nlohmann::json tools = nlohmann::json::array();
  // The first turn as the model saw it (agent::first_turn(): the chat
  // template over system prompt, tools and task, plus any prefill) for an
  // episode of this variant, format, mode and task prompt. When set,
  // load_training_set() checks its sha256 against the key's prompt_sha256,
  // so the exported prompt is proven to be what was run; unset, only the
  // tools' hash is checked.
  std::function<std::string(const std::string& variant, const std::string& format, Mode mode,
                            const std::string& task_prompt)>
      first_turn;
};

// The empirical best choice of one variant, format and task.
using evaluation::BestChoice;  // evaluation/necessity.h

struct TrainingSet {
  store::StoredRun run;
  PromptContext context;
  std::map<std::string, std::string> task_prompts;  // task id -> prompt as posed
  std::vector<TrainingEpisode> episodes;            // in the contract's order
  // Episodes whose first turn could not be checked: no renderer given, or
  // a key from before harness version 1 (its prompt_sha256 hashed less).
  int64_t unverified_first_turns = 0;

  // Tools offered to an episode of this mode (none under force_text).
  nlohmann::json tools_offered(Mode mode) const;
  // nullopt when the run lacks a scored force_tool or force_text episode of
  // this variant, format and task.
  std::optional<BestChoice> best_choice(const evaluation::ScoredEpisode& e) const;

  // "variant/format/task" (group_id()) -> choice; compute_best_choices() fills it.
  std::map<std::string, BestChoice> best_choices;
  // group_id() -> the task's necessity for this model (evaluation/necessity.h)
  // at necessity_threshold; compute_best_choices() fills it too.
  double necessity_threshold = evaluation::kDefaultNecessityThreshold;
  std::map<std::string, evaluation::TaskNecessity> necessity;
  const evaluation::TaskNecessity* necessity_of(const evaluation::ScoredEpisode& e) const;

  // The columns the rewards export and the Inspect log share, null where
  // unknown: best_choice; tool_necessary (the best-choice view: true when
  // only force_tool was right, false when force_text was); needs_tool and
  // tool_benefits (necessity_of).
  nlohmann::ordered_json necessity_columns(const evaluation::ScoredEpisode& e) const;
};

// The group of an episode: "variant/format/task_id", shared by the
// episodes of one task under one arm (every mode and seed).
std::string group_id(const evaluation::ScoredEpisode& e);

// Reads every episode of `run` with its steps, scores and task snapshot.
TrainingSet load_training_set(store::ResultsStore& store, const store::StoredRun& run, PromptContext context);

// Builds the best-choice and necessity tables of `set` from its episodes
// (load_training_set calls it; tests that assemble a set by hand call it
// too; call it again after changing necessity_threshold).
void compute_best_choices(TrainingSet& set);

}  // namespace agentcoder::training
