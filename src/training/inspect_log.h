// A stored run as an Inspect AI evaluation log (EvalLog, JSON, version 2),
// so Inspect's viewer (`inspect view`) and tools (read_eval_log(),
// `inspect log convert`, Docent) read our traces. The fields follow
// inspect-ai 0.3.285 (python/requirements.txt); the JSON form is the one
// Inspect's maintainers ask others to write (its .eval zip is not a frozen
// format: `inspect log convert --to eval` makes one from this).
//
// - One sample per task and condition (variant, prompt format, mode): id
//   "task/variant/format/mode", epoch 1, 2, ... over that condition's
//   episodes in seed order (repeated samples).
// - messages: system prompt, task, then what the model wrote and the
//   harness answered, as in conversation.h: a call reply is an assistant
//   message with tool_calls followed by one tool message per call (with its
//   error when it failed); a malformed reply is an assistant message whose
//   one tool call, function "unparsed", carries the parser's message as
//   parse_error, followed by the harness's user turn asking again; under
//   force_text a call is text (nothing ran).
// - events: per reply a ModelEvent (its input, the tools offered,
//   tool_choice auto/any/none for free/force_tool/force_text, the reply with
//   its token usage and stop reason; prefill, raw text and timings in its
//   metadata), then a ToolEvent per call that was run or refused (a
//   malformed reply has none: nothing ran). An event's timestamp is the
//   episode's started_at plus the agent's measured queue, prompt, decode and
//   tool times before it.
// - scores: "correct" ("C" or "I", answer = what the check compared,
//   explanation and metadata = the check's detail) when the check has a
//   correctness, and "score" (the partial score in [0, 1]); none when the
//   episode is not scored.
// - sample metadata: the plain columns (columns.h), the probe (p_tool and
//   its openers; null outside free), best_choice and tool_necessary as the
//   rewards export defines them (rewards.h: from the forced modes, per
//   model), fabrication flags. Log metadata: the run's name, config text
//   and hash, and manifest; eval.revision and eval.packages from it.
// Nothing depends on the clock or the machine: one run gives the same file
// each time.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "store/score_record.h"
#include "training/training_set.h"

namespace agentcoder::training {

// `tasks` and `scores` are the run's task snapshot and stored scores (for
// each sample's target and each score's detail); an episode missing from
// `scores` is unscored.
nlohmann::ordered_json inspect_log(const TrainingSet& set, const std::vector<store::StoredTask>& tasks,
                                   const std::vector<store::ScoreRecord>& scores);

}  // namespace agentcoder::training
