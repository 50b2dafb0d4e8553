#include "store/episode_diff.h"

#include <algorithm>
#include <cstdio>

namespace agentcoder::store {
namespace {

bool continuation_byte(const std::string& s, size_t i) {
  return i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80;
}

// About 30 bytes before `at` and 50 from it, cut at character boundaries,
// with backslashes and control characters escaped so a snippet stays on one
// line and reads unambiguously.
std::string snippet(const std::string& s, size_t at) {
  size_t from = at > 30 ? at - 30 : 0;
  size_t to = std::min(s.size(), at + 50);
  while (continuation_byte(s, from)) ++from;
  while (continuation_byte(s, to)) --to;
  std::string out = from > 0 ? "..." : "";
  for (size_t i = from; i < to; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else out += static_cast<char>(c);
  }
  if (to < s.size()) out += "...";
  return out;
}

std::optional<EpisodeDifference> compare(const std::string& a, const std::string& b, int step, int call,
                                         const char* field) {
  if (a == b) return std::nullopt;
  size_t at = std::mismatch(a.begin(), a.begin() + std::min(a.size(), b.size()), b.begin()).first - a.begin();
  return EpisodeDifference{step, call, field, at, snippet(a, at), snippet(b, at)};
}

std::string status(const ToolCallRecord& c) {
  return std::string(c.executed ? "executed" : "not executed") + (c.ok ? ", ok" : ", failed") +
         (c.error_class.empty() ? "" : " (" + c.error_class + ")");
}

}  // namespace

std::optional<EpisodeDifference> first_difference(const EpisodeRecord& a, const EpisodeRecord& b) {
  size_t steps = std::min(a.steps.size(), b.steps.size());
  for (size_t i = 0; i < steps; ++i) {
    const StepRecord& sa = a.steps[i];
    const StepRecord& sb = b.steps[i];
    int step = static_cast<int>(i);
    if (auto d = compare(sa.prefill, sb.prefill, step, -1, "prefill")) return d;
    if (auto d = compare(sa.model_text, sb.model_text, step, -1, "model_text")) return d;
    if (auto d = compare(sa.reply_kind, sb.reply_kind, step, -1, "reply_kind")) return d;
    size_t calls = std::min(sa.tool_calls.size(), sb.tool_calls.size());
    for (size_t k = 0; k < calls; ++k) {
      const ToolCallRecord& ca = sa.tool_calls[k];
      const ToolCallRecord& cb = sb.tool_calls[k];
      int call = static_cast<int>(k);
      if (auto d = compare(ca.tool + " " + ca.arguments, cb.tool + " " + cb.arguments, step, call, "tool_call"))
        return d;
      if (auto d = compare(status(ca), status(cb), step, call, "tool_status")) return d;
      if (auto d = compare(ca.result, cb.result, step, call, "tool_result")) return d;
    }
    if (sa.tool_calls.size() != sb.tool_calls.size())
      return compare(std::to_string(sa.tool_calls.size()) + " calls", std::to_string(sb.tool_calls.size()) + " calls",
                     step, -1, "tool_calls");
  }
  if (a.steps.size() != b.steps.size())
    return compare(std::to_string(a.steps.size()) + " steps", std::to_string(b.steps.size()) + " steps", -1, -1,
                   "steps");
  if (auto d = compare(a.stop_reason, b.stop_reason, -1, -1, "stop_reason")) return d;
  return compare(a.final_answer, b.final_answer, -1, -1, "final_answer");
}

std::string describe(const EpisodeDifference& d) {
  std::string out;
  if (d.step >= 0) out += "step " + std::to_string(d.step) + " ";
  if (d.call >= 0) out += "call " + std::to_string(d.call) + " ";
  if (d.field == "steps" || d.field == "tool_calls") return out + "number of " + d.field;  // a and b say how many
  return out + d.field + " at byte " + std::to_string(d.offset);
}

}  // namespace agentcoder::store
