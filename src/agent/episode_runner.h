// Runs agent episodes: generate, parse, and while the model calls tools,
// run them, append the results and generate again, until a final answer or
// a stop rule (max steps, token budget, full context, error). A task with
// its own functions (episode.h) is posed with them, and its first reply ends
// the episode.
//
// One EpisodeRunner serves many episodes at once: run() blocks only its
// caller, so N threads calling run() keep N sequences in the engine's batch
// while some of them wait for their tools. The system prompt with the tool
// descriptions of each (format, mode) is evaluated once and shared through
// the engine's prefix cache (share_prefix); tasks with their own functions
// have their own system prompt and share nothing.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/episode.h"
#include "agent/prompt_format.h"
#include "agent/toolbox.h"
#include "models/chat_template.h"
#include "models/engine.h"

namespace agentcoder::agent {

// How force_tool starts the first reply, so that the model can only go on
// with a call (the templates' "required" grammars still allow text first):
//   auto         a fenced python block where fenced code is a call (the
//                harness convention with fenced_code_is_call and a python
//                tool offered), else the call opener
//   call_opener  the harness's `<tool_call>{"name": "`, or the template's
//                first trigger word in the native format
//   fenced_code  "```python\n"; only where fenced code is a call
// The prefill each step used is stored with the step (StepTrace::prompt_prefill).
enum class ForcedCallForm { automatic, call_opener, fenced_code };
std::string to_string(ForcedCallForm form);
std::optional<ForcedCallForm> parse_forced_call_form(const std::string& name);

struct AgentOptions {
  int max_steps = 4;              // model replies per episode
  int max_tokens = 1024;          // generated tokens per episode, all steps together
  int max_tokens_per_step = 384;
  float temperature = 0.0f;       // 0 = greedy
  bool fenced_code_is_call = true;  // harness format: ```python blocks are python calls
  std::optional<std::string> tool_instructions;  // harness format: replaces the built-in text
  ForcedCallForm forced_call_form = ForcedCallForm::automatic;
  // Free episodes' first step asks the engine for the prompt's last hidden
  // states (EpisodeTrace::hidden_states; the engine's hidden_layers say which).
  bool keep_hidden_states = false;
};

// The version of what the harness says and does in code beyond the first
// turn: the message after a malformed call, how tool results are shown, the
// reply parser's repairs, the stop rules. Episode keys carry it, so bump it
// whenever one of these changes; resume then runs every episode afresh.
// (Text of the first turn needs no bump: keys hash first_turn() itself.)
constexpr int kHarnessBehaviourVersion = 1;

// What the model sees before its first token: the chat template applied to
// the system prompt with the tool descriptions and the task, plus the
// force_tool prefill. The tools are the task's own functions where it has
// them, else `tools` (the run's). The first step of EpisodeRunner::run()
// generates after exactly this text. Throws what the template throws, and
// InputError when force_tool has no prefill of the chosen form.
std::string first_turn(const models::ChatTemplate& chat, const std::vector<models::ToolSchema>& tools,
                       const PromptFormat& format, Mode mode, const EpisodeTask& task, const AgentOptions& options);

// The user turn that follows a malformed reply ("Your tool call was not run:
// ..."), given the parser's first error ("" when it gave none). Part of
// kHarnessBehaviourVersion; the training exports show it from here too.
std::string malformed_call_message(const std::string& parse_error);

class EpisodeRunner {
 public:
  EpisodeRunner(models::Engine& engine, const models::ChatTemplate& chat, Toolbox& tools, AgentOptions options);

  // Evaluates the shared start of every prompt of this format and mode once.
  void share_prefix(const PromptFormat& format, Mode mode);

  // Thread-safe; never throws for what the model or a tool does.
  EpisodeTrace run(const EpisodeTask& task, const PromptFormat& format, Mode mode, uint32_t seed);

 private:
  struct Episode;
  // One reply and what follows from it; the reason when the episode ends.
  std::optional<StopReason> run_step(Episode& episode, int step);
  models::GenerationResult generate(Episode& episode, const models::RenderedChat& rendered,
                                    const std::string& prefill, int step);
  std::optional<StopReason> act_on_reply(Episode& episode, StepTrace& step);

  models::Engine& engine_;
  const models::ChatTemplate& chat_;
  Toolbox& tools_;
  AgentOptions options_;
  std::vector<models::ToolSchema> schemas_;
  mutable std::mutex chat_mutex_;  // the template engine is not documented as thread-safe
};

struct EpisodeSpec {
  EpisodeTask task;
  const PromptFormat* format = nullptr;
  Mode mode = Mode::free;
  uint32_t seed = 0;
};

// One call of a reply handed to the tools, as the trace keeps it: the
// toolbox's outcome, `executed` saying whether the tool ran at all.
ToolCallTrace run_tool_call(Toolbox& tools, const models::ToolCall& call);

// Runs `specs` on `parallel` threads; on_done is called once per episode,
// from the worker thread, as soon as it ends (serialise inside if needed).
void run_episodes(EpisodeRunner& runner, const std::vector<EpisodeSpec>& specs, int parallel,
                  const std::function<void(size_t index, EpisodeTrace&& trace)>& on_done);

}  // namespace agentcoder::agent
