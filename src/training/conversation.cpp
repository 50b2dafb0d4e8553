#include "training/conversation.h"

#include "agent/episode_runner.h"

namespace agentcoder::training {
namespace {

using ojson = nlohmann::ordered_json;

ojson arguments_of(const std::string& text) {
  ojson parsed = ojson::parse(text.empty() ? "{}" : text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return text;
  return parsed;
}

ojson assistant(const std::string& content) { return {{"role", "assistant"}, {"content", content}}; }

}  // namespace

ojson prompt_messages(const std::string& system_prompt, const std::string& task_prompt) {
  return ojson::array({{{"role", "system"}, {"content", system_prompt}}, {{"role", "user"}, {"content", task_prompt}}});
}

ojson continuation_messages(const store::EpisodeRecord& episode) {
  const bool force_text = episode.key.mode == "force_text";
  ojson messages = ojson::array();
  // What the harness sent after a reply; shown only when another reply follows.
  ojson pending = ojson::array();
  for (const store::StepRecord& step : episode.steps) {
    if (step.generation_stop == "error") break;
    for (auto& m : pending) messages.push_back(std::move(m));
    pending = ojson::array();
    if (step.reply_kind == "text") {
      messages.push_back(assistant(step.content));
    } else if (force_text || step.reply_kind == "malformed") {
      messages.push_back(assistant(step.prefill + step.model_text));
      if (!force_text)
        pending.push_back({{"role", "user"},
                           {"content", agent::malformed_call_message(step.parse_errors.empty() ? "" : step.parse_errors.front())}});
    } else {
      ojson m = assistant(step.content);
      ojson calls = ojson::array();
      for (const store::ToolCallRecord& c : step.tool_calls) {
        calls.push_back({{"type", "function"}, {"function", {{"name", c.tool}, {"arguments", arguments_of(c.arguments)}}}});
        pending.push_back({{"role", "tool"}, {"name", c.tool}, {"content", c.result}});
      }
      m["tool_calls"] = std::move(calls);
      messages.push_back(std::move(m));
    }
  }
  return messages;
}

}  // namespace agentcoder::training
