#include "tools/tool.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>
#include <utility>

#include "tools/json_schema.h"
#include "tools/truncate.h"
#include "utils/utf8.h"
#include "utils/clock.h"

namespace agentcoder::tools {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

ToolResult finish(const std::string& tool, const json& arguments, RunOutput out, const std::string& started_at,
                  double wall_seconds, size_t max_chars) {
  ToolResult r;
  r.ok = out.outcome == "ok";
  // Everything here may hold bytes a program or a model wrote.
  out.text = valid_utf8(out.text);
  size_t full = out.text.size();
  r.text = truncate_middle(out.text, max_chars);  // a safety net: tools fit their own text
  r.error_class = r.ok ? "" : out.error_class;
  r.wall_seconds = wall_seconds;
  r.record = json::object();
  r.record["tool"] = valid_utf8(tool);
  r.record["arguments"] = arguments;
  r.record["ok"] = r.ok;
  r.record["outcome"] = out.outcome;
  r.record["error_class"] = r.error_class;
  r.record["error"] = r.ok ? "" : valid_utf8(out.error);
  r.record["text"] = r.text;
  r.record["text_chars"] = full;
  r.record["text_truncated"] = r.text.size() != full || out.text_truncated;
  r.record["started_at"] = started_at;
  r.record["wall_seconds"] = wall_seconds;
  r.record["details"] = std::move(out.details);
  return r;
}

}  // namespace

Tool::Tool(std::string name, std::string description, json parameters, size_t max_chars)
    : name_(std::move(name)), description_(std::move(description)), parameters_(std::move(parameters)),
      max_chars_(max_chars) {
  check_schema(parameters_);
}

json Tool::declaration() const {
  return json{{"type", "function"},
              {"function", {{"name", name_}, {"description", description_}, {"parameters", parameters_}}}};
}

ToolResult Tool::invoke(const json& arguments) {
  std::string started_at = utc_now();
  auto start = Clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  if (!arguments.is_object()) {
    return bad_call(name_, arguments, "bad_arguments",
                    "error: arguments of " + name_ + " must be a JSON object, got " + arguments.type_name());
  }
  if (auto violation = validate(parameters_, arguments)) {
    return bad_call(name_, arguments, "bad_arguments", "error: bad arguments for " + name_ + ": " + *violation);
  }
  RunOutput out;
  try {
    out = run(arguments);
  } catch (const std::exception& e) {
    out = RunOutput{};
    out.outcome = "internal_error";
    out.error_class = "internal_error";
    out.error = e.what();
    out.text = "error: the " + name_ + " tool failed: " + e.what();
  }
  return finish(name_, arguments, std::move(out), started_at, seconds(), max_chars_);
}

ToolResult bad_call(const std::string& tool, const json& arguments, const std::string& error_class,
                    const std::string& message) {
  RunOutput out;
  out.outcome = "bad_call";
  out.error_class = error_class;
  out.error = message;
  out.text = message;
  // Messages are short; the cap only guards against echoing huge arguments.
  return finish(tool, arguments, std::move(out), utc_now(), 0.0, 2000);
}

}  // namespace agentcoder::tools
