#include "utils/vocabulary.h"

namespace agentcoder {
namespace {

template <typename Enum, size_t N>
std::optional<Enum> parse(const std::array<Enum, N>& all, std::string_view text) {
  for (Enum value : all)
    if (text == to_string(value)) return value;
  return std::nullopt;
}

}  // namespace

const char* to_string(Mode mode) {
  switch (mode) {
    case Mode::free: return "free";
    case Mode::force_tool: return "force_tool";
    case Mode::force_text: return "force_text";
    case Mode::no_tools: return "no_tools";
    case Mode::distractor: return "distractor";
  }
  return "?";
}

const char* to_string(ReplyKind kind) {
  switch (kind) {
    case ReplyKind::tool_call: return "tool_call";
    case ReplyKind::text: return "text";
    case ReplyKind::malformed: return "malformed";
  }
  return "?";
}

const char* to_string(StopReason reason) {
  switch (reason) {
    case StopReason::final_answer: return "final_answer";
    case StopReason::max_steps: return "max_steps";
    case StopReason::max_tokens: return "max_tokens";
    case StopReason::context_full: return "context_full";
    case StopReason::error: return "error";
    case StopReason::first_reply: return "first_reply";
  }
  return "?";
}

const char* to_string(GenerationStop stop) {
  switch (stop) {
    case GenerationStop::end_of_generation: return "end_of_generation";
    case GenerationStop::max_tokens: return "max_tokens";
    case GenerationStop::stop_string: return "stop_string";
    case GenerationStop::context_full: return "context_full";
    case GenerationStop::error: return "error";
  }
  return "?";
}

const char* to_string(FailureClass failure) {
  switch (failure) {
    case FailureClass::syntax: return "syntax";
    case FailureClass::name: return "name";
    case FailureClass::import: return "import";
    case FailureClass::runtime: return "runtime";
    case FailureClass::timeout: return "timeout";
    case FailureClass::memory: return "memory";
    case FailureClass::sandbox_denied: return "sandbox_denied";
    case FailureClass::bad_call: return "bad_call";
  }
  return "?";
}

std::optional<Mode> parse_mode(std::string_view text) { return parse(kModes, text); }
std::optional<ReplyKind> parse_reply_kind(std::string_view text) { return parse(kReplyKinds, text); }
std::optional<StopReason> parse_stop_reason(std::string_view text) { return parse(kStopReasons, text); }
std::optional<GenerationStop> parse_generation_stop(std::string_view text) { return parse(kGenerationStops, text); }
std::optional<FailureClass> parse_failure_class(std::string_view text) { return parse(kFailureClasses, text); }

}  // namespace agentcoder
