#include "agent/decision_probe.h"

#include <algorithm>

#include "models/tool_call_parser.h"

namespace agentcoder::agent {

std::vector<std::string> tool_call_openers(const models::RenderedChat& rendered) {
  if (rendered.format == models::ToolFormat::native) return rendered.trigger_words;
  std::vector<std::string> openers = {models::harness_call_opener()};
  if (rendered.options.fenced_code_is_call) {
    const auto& fences = models::harness_fence_openers();
    openers.insert(openers.end(), fences.begin(), fences.end());
  }
  return openers;
}

std::vector<ProbeOpener> prefix_free(const std::vector<ProbeOpener>& openers) {
  auto extends = [](const ProbeOpener& longer, const ProbeOpener& shorter) {
    return shorter.tokens.size() <= longer.tokens.size() &&
           std::equal(shorter.tokens.begin(), shorter.tokens.end(), longer.tokens.begin());
  };
  std::vector<ProbeOpener> kept;
  for (size_t i = 0; i < openers.size(); ++i) {
    if (openers[i].tokens.empty()) continue;
    bool covered = false;
    for (size_t j = 0; j < openers.size() && !covered; ++j) {
      if (i == j || openers[j].tokens.empty() || !extends(openers[i], openers[j])) continue;
      // Equal tokens: the first one listed stays.
      covered = openers[j].tokens.size() < openers[i].tokens.size() || j < i;
    }
    if (!covered) kept.push_back(openers[i]);
  }
  return kept;
}

std::vector<ProbeOpener> probe_openers(const models::Engine& engine, const models::RenderedChat& rendered) {
  std::vector<ProbeOpener> openers;
  for (const auto& text : tool_call_openers(rendered)) openers.push_back({text, engine.tokenize_continuation(text)});
  return prefix_free(openers);
}

}  // namespace agentcoder::agent
