// A tool a model can call: a name, a description, a JSON schema for its
// arguments, and invoke().
//
// invoke() is the one entry point. It checks the arguments against the
// schema, times the call, runs the tool's own run(), and wraps everything in
// a ToolResult whose record has the same fields for every tool:
//
//   tool, arguments, ok, outcome, error_class, error, text, text_chars,
//   text_truncated, started_at (UTC, ISO 8601 with milliseconds),
//   wall_seconds, details (the tool's own fields, e.g. python's ExecResult)
//
// arguments are as the model gave them (its raw text when that was not
// JSON). text_truncated says whether anything was cut for the model, by the
// tool itself (python cuts each stream) or by the final cut to max_chars;
// text_chars is the length before that final cut.
//
// outcome is "ok" (the tool did what was asked), "failed" (it ran, but the
// action failed: the program raised, the expression did not parse),
// "bad_call" (the call itself was wrong: arguments not matching the schema,
// an unknown tool) or "internal_error" (our machinery failed, e.g. the
// sandbox could not start). error_class is "" when ok and otherwise a short
// label for analysis (python_failure.h lists python's).
//
// Contract: invoke() never throws and is thread-safe if run() is (every
// built-in is). The text for the model is at most the tool's max_chars.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace agentcoder::tools {

struct ToolResult {
  bool ok = false;
  std::string text;         // for the model, already within max_chars
  std::string error_class;  // empty when ok
  nlohmann::json record;    // the fields listed above
  double wall_seconds = 0;
};

// What a tool's run() reports; invoke() turns it into a ToolResult.
struct RunOutput {
  std::string outcome = "ok";  // "ok", "failed" or "internal_error"
  std::string error_class;     // empty when ok
  std::string error;           // one line, when not ok
  std::string text;            // for the model; the tool fits it to max_chars
  bool text_truncated = false;  // the tool cut something to fit
  nlohmann::json details = nlohmann::json::object();
};

class Tool {
 public:
  // `parameters` must pass check_schema() (std::invalid_argument otherwise).
  Tool(std::string name, std::string description, nlohmann::json parameters, size_t max_chars);
  virtual ~Tool() = default;
  Tool(const Tool&) = delete;
  Tool& operator=(const Tool&) = delete;

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  const nlohmann::json& parameters() const { return parameters_; }
  size_t max_chars() const { return max_chars_; }

  // The OpenAI-style declaration: {"type": "function", "function": {...}}.
  nlohmann::json declaration() const;

  ToolResult invoke(const nlohmann::json& arguments);

 protected:
  // Arguments have passed the schema. May throw: invoke() reports an
  // exception as an internal_error.
  virtual RunOutput run(const nlohmann::json& arguments) = 0;

 private:
  const std::string name_;
  const std::string description_;
  const nlohmann::json parameters_;
  const size_t max_chars_;
};

// A result for a call that never reached a tool (unknown name, arguments
// that are not JSON): outcome "bad_call", the message shown to the model.
ToolResult bad_call(const std::string& tool, const nlohmann::json& arguments, const std::string& error_class,
                    const std::string& message);

}  // namespace agentcoder::tools
