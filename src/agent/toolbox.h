// What an episode needs from the tools: their schemas, and a way to call one.
// The tools module provides the real implementation (a registry of python,
// math and docs over the sandbox); tests can provide their own. call() is
// thread-safe and never throws: a bad call is an outcome with ok == false.
// `executed` says whether the tool itself ran: a call refused before that
// (unknown tool, arguments that fail the schema or are not JSON) or stopped
// by our own machinery (the sandbox could not start) did not, whatever the
// model wrote.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/chat_types.h"

namespace agentcoder::agent {

struct ToolOutcome {
  bool ok = false;
  std::string text_for_model;  // what the model sees, already truncated
  std::string error_class;     // empty when ok; e.g. "unknown_tool", "bad_arguments", "runtime_error"
  nlohmann::json record;       // the tool's structured record
  double wall_ms = 0;
  bool executed = false;       // the tool ran (ok, or ran and failed)
};

class Toolbox {
 public:
  virtual ~Toolbox() = default;
  virtual std::vector<models::ToolSchema> schemas() const = 0;
  virtual ToolOutcome call(const std::string& name, const std::string& arguments_json) = 0;
};

}  // namespace agentcoder::agent
