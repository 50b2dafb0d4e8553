// One agent episode: a task, posed to one model variant with one prompt
// format and one mode, and everything that happened.
//
// Modes are the counterfactual oracle of the study:
//   free        tools offered, the model chooses;
//   force_tool  tools offered and the first reply is forced to start a call:
//               its opener is prefilled (`<tool_call>{"name": "` in the
//               harness format, the template's own opener, e.g.
//               "<tool_call>\n", in the native format);
//   force_text  no tools offered; a call the model writes anyway is recorded
//               and not run, and its text is the answer.
//
// A task with its own functions (BFCL) is offered exactly those, in place of
// the run's tools, in whichever tool format the template uses. They exist
// only as schemas: a call is recorded, never run (error_class
// kNotRunByDesign), and the episode ends at its first reply (StopReason
// first_reply), the one that is scored.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/decision_probe.h"
#include "models/chat_types.h"
#include "models/engine.h"

namespace agentcoder::agent {


struct EpisodeTask {
  std::string id;
  std::string prompt;
  // The task's own functions: when not empty, the only tools offered, never run.
  std::vector<models::ToolSchema> functions;
};

struct ToolCallTrace {
  models::ToolCall call;
  bool ok = false;
  bool executed = false;  // the tool ran (ToolOutcome::executed); false for calls refused in force_text
  std::string error_class;
  std::string result_for_model;
  nlohmann::json record;
  double wall_ms = 0;
};

struct StepTrace {
  std::string prompt_prefill;  // forced start of the reply, if any
  std::string model_text;      // the reply as generated (after the prefill)
  models::ParsedReply reply;
  GenerationStop generation_stop = GenerationStop::end_of_generation;
  models::RequestStats stats;
  std::vector<ToolCallTrace> tool_calls;
};

struct EpisodeTrace {
  EpisodeTask task;
  Mode mode = Mode::free;
  std::string prompt_format;
  uint32_t seed = 0;
  std::vector<StepTrace> steps;
  StopReason stop_reason = StopReason::final_answer;
  std::string final_answer;
  std::string error;
  // Decision probe (decision_probe.h), in free mode only (where the model
  // decides freely): at the first reply, the probability that it begins
  // with one of the openers, the sum of probe_openers[i].p. Unset in the
  // forced modes, and where it could not be measured (no opener, or the
  // openers do not fit the context).
  std::optional<double> p_tool;
  std::vector<ProbeOpener> probe_openers;  // empty where p_tool is unset
  // Free mode, AgentOptions::keep_hidden_states: the hidden states of the
  // first prompt's last token (models::GenerationResult::hidden_states).
  std::vector<float> hidden_states;
  double wall_ms = 0;
  std::string started_at;         // UTC, ISO 8601
  std::string finished_at;
  std::string first_turn_sha256;  // of first_turn(): what the model saw before its first token

  // The first decision: the kind of the first reply.
  ReplyKind first_decision() const {
    return steps.empty() ? ReplyKind::text : steps.front().reply.kind;
  }
};

}  // namespace agentcoder::agent
