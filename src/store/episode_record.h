// What the store keeps of one episode: plain structs the agent fills in
// (the store knows nothing of the engine or the tools). An EpisodeRecord
// holds its steps, a step holds the tool calls made from its reply; indexes
// are positions in these vectors.
//
// Names of the study's vocabulary (mode, reply kind, stop reason, ...) are
// stored in utils/vocabulary.h's spellings; the store keeps them as text. Text that is not
// valid UTF-8 is stored with U+FFFD in place of the bad bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/episode_key.h"

namespace agentcoder::store {

struct ToolCallRecord {
  std::string call_id;      // the id the model or the parser gave it
  std::string tool;         // tool name as called
  std::string arguments;    // JSON object, as text (OpenAI style)
  bool executed = false;    // the tool ran; false for calls refused (force_text, unknown tool, bad arguments)
                            // and for a task's own functions (error_class kNotRunByDesign)
  bool ok = false;          // the tool ran and succeeded
  std::string error_class;  // e.g. "SyntaxError", "timeout", "bad_arguments"; "" when ok
  std::string result;       // the text fed back to the model
  nlohmann::json record;    // the tool's structured record (e.g. exit code, stdout, peak memory)
  double wall_ms = 0;

  bool operator==(const ToolCallRecord&) const = default;
};

struct StepRecord {
  std::string prefill;          // forced start of the reply, if any
  std::string model_text;       // the reply as generated (after the prefill)
  std::string reply_kind;       // ReplyKind
  std::string generation_stop;  // GenerationStop: why decoding stopped
  std::string content;          // the text outside any tool call
  std::vector<std::string> parse_errors;  // one per call that did not parse
  std::vector<std::string> repairs;       // fixes the parser made
  int64_t prompt_tokens = 0;
  int64_t prefix_reused_tokens = 0;
  int64_t generated_tokens = 0;
  double queue_ms = 0;
  double prompt_eval_ms = 0;
  double decode_ms = 0;
  std::vector<ToolCallRecord> tool_calls;

  bool operator==(const StepRecord&) const = default;
};

// One opener of the decision probe (agent/decision_probe.h): the text that
// starts a tool call, its canonical tokens after the prompt, and the
// probability that the first reply begins with those tokens.
struct ProbeOpenerRecord {
  std::string opener;
  std::vector<int32_t> tokens;
  double p = 0;

  bool operator==(const ProbeOpenerRecord&) const = default;
};

struct EpisodeRecord {
  EpisodeKey key;
  // Denormalised from the config and the task, so one query gives a useful
  // pandas frame.
  std::string variant;  // model variant label
  std::string category;
  std::string difficulty;
  std::string optimal_tool;

  std::string stop_reason;  // why it ended (utils/vocabulary.h StopReason)
  std::string final_answer;
  std::string first_decision;  // ReplyKind of the first reply
  std::string first_tool;      // tool of the first call, if the first reply made one
  // Decision probe at the first reply of a free, no_tools or distractor
  // episode; nullopt when not measured (the forced modes, and no_tools and
  // distractor episodes of runs made before the probe covered them). p_text is never measured: files written
  // before the harness stored it as 1 - p_tool in every mode, now it is unset.
  std::optional<double> p_tool;
  std::optional<double> p_text;
  // The terms of p_tool, one per opener (p_tool is their sum); empty where
  // p_tool is unset, and in files written before schema version 5.
  std::vector<ProbeOpenerRecord> probe_openers;

  // Totals over the steps (and the tools) as the agent measured them.
  int64_t prompt_tokens = 0;
  int64_t generated_tokens = 0;
  double prompt_eval_ms = 0;
  double decode_ms = 0;
  double tool_ms = 0;
  double queue_ms = 0;
  double wall_ms = 0;
  std::string started_at;  // ISO 8601 UTC; "" = unknown
  std::string finished_at;

  std::string error;     // set when stop_reason is "error"
  nlohmann::json extra;  // anything else, free-form; null when nothing

  std::vector<StepRecord> steps;

  bool operator==(const EpisodeRecord&) const = default;
  int tool_call_count() const;
};

// An episode as read back: where it lives, plus the record. Listings leave
// record.steps empty; step_count and tool_call_count are always set.
struct StoredEpisode {
  int64_t episode_id = 0;
  int64_t run_id = 0;
  int64_t session_id = 0;
  std::string key_id;
  std::string stored_at;
  int step_count = 0;
  int tool_call_count = 0;
  EpisodeRecord record;
};

}  // namespace agentcoder::store
