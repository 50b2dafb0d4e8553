// The study's vocabulary: the names that several layers write or read (the
// agent decides them, the store keeps them, the metrics group by them, the
// CLI tables, the CSV, the report and figures.py print them) are defined
// here once, each as an enum with its one spelling. Stored results and the
// metrics JSON use exactly these spellings; a layer never writes one as a
// string literal of its own.
//
//   Mode          how an episode poses the tools: free, force_tool, force_text,
//                 no_tools, distractor
//   ReplyKind     what a model's reply was: tool_call, text, malformed
//   StopReason    why an episode ended: final_answer, max_steps, max_tokens,
//                 context_full, error, first_reply
//   GenerationStop  why one reply's decoding stopped: end_of_generation,
//                 max_tokens, stop_string, context_full, error
//   FailureClass  the study's class of a failed tool call: syntax, name,
//                 import, runtime, timeout, memory, sandbox_denied, bad_call
//
// to_string() gives the spelling; parse_*() the enum, or nullopt for any other
// text. The k* arrays list every value in the study's order (the order of
// tables and figures), which is the declaration order: static_cast<size_t>
// of a value is its index there.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace agentcoder {

// no_tools and distractor measure hallucinated calls (src/evaluation/README.md
// "Hallucinated calls"): no tool offered, or only an irrelevant one
// (agent/distractor_tool.h) that is never run.
enum class Mode { free, force_tool, force_text, no_tools, distractor };
inline constexpr std::array kModes = {Mode::free, Mode::force_tool, Mode::force_text, Mode::no_tools,
                                      Mode::distractor};

// Whether `mode` offers the run's tools (free, force_tool) rather than none
// (force_text, no_tools) or only the distractor.
constexpr bool offers_run_tools(Mode mode) { return mode == Mode::free || mode == Mode::force_tool; }

// Whether the model decides for itself whether to call (free, and no_tools
// and distractor, where any call is hallucinated) rather than being forced:
// where the decision probe (p_tool) is measured.
constexpr bool model_decides(Mode mode) {
  return mode == Mode::free || mode == Mode::no_tools || mode == Mode::distractor;
}

// Intent is told apart from parse success: a reply that opens a tool call
// (or a code fence, where those count) but does not parse is malformed.
enum class ReplyKind { tool_call, text, malformed };
inline constexpr std::array kReplyKinds = {ReplyKind::tool_call, ReplyKind::text, ReplyKind::malformed};

// first_reply: a task with its own functions (BFCL) is scored on the first
// reply alone, so the episode ends there, whether it called, attempted a call
// or answered in text.
enum class StopReason { final_answer, max_steps, max_tokens, context_full, error, first_reply };
inline constexpr std::array kStopReasons = {StopReason::final_answer, StopReason::max_steps, StopReason::max_tokens,
                                            StopReason::context_full, StopReason::error, StopReason::first_reply};

enum class GenerationStop { end_of_generation, max_tokens, stop_string, context_full, error };
inline constexpr std::array kGenerationStops = {GenerationStop::end_of_generation, GenerationStop::max_tokens,
                                                GenerationStop::stop_string, GenerationStop::context_full,
                                                GenerationStop::error};

// bad_call: the call never ran (unknown tool, arguments that failed the
// schema, a tool not offered).
enum class FailureClass { syntax, name, import, runtime, timeout, memory, sandbox_denied, bad_call };
inline constexpr std::array kFailureClasses = {FailureClass::syntax,  FailureClass::name,   FailureClass::import,
                                               FailureClass::runtime, FailureClass::timeout, FailureClass::memory,
                                               FailureClass::sandbox_denied, FailureClass::bad_call};

// The tool_calls.error_class of a call the harness records but by design
// never runs: a call to one of a task's own functions (BFCL), which exist
// only as schemas. Not an error of the model: no failure class.
inline constexpr const char* kNotRunByDesign = "not_run_by_design";

const char* to_string(Mode mode);
const char* to_string(ReplyKind kind);
const char* to_string(StopReason reason);
const char* to_string(GenerationStop stop);
const char* to_string(FailureClass failure);

std::optional<Mode> parse_mode(std::string_view text);
std::optional<ReplyKind> parse_reply_kind(std::string_view text);
std::optional<StopReason> parse_stop_reason(std::string_view text);
std::optional<GenerationStop> parse_generation_stop(std::string_view text);
std::optional<FailureClass> parse_failure_class(std::string_view text);

}  // namespace agentcoder
