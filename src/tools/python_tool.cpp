#include "tools/python_tool.h"

#include <cstdio>
#include <cstring>
#include <utility>

#include "tools/exec_record.h"
#include "tools/python_failure.h"
#include "tools/truncate.h"

namespace agentcoder::tools {
namespace {

using nlohmann::json;

const char kDescription[] =
    "Run Python 3 code in a sandbox and return what it prints (stdout, stderr, exit status). "
    "Print the values you need; there is no network and files do not persist.";

json argument_schema() {
  return json{{"type", "object"},
              {"properties", {{"code", {{"type", "string"}, {"description", "The Python source to run."}}}}},
              {"required", {"code"}},
              {"additionalProperties", false}};
}

std::string status_line(const sandbox::ExecResult& r, const sandbox::Limits& limits) {
  char buf[160];
  if (r.timed_out) {
    std::snprintf(buf, sizeof buf, "[timed out after %g s]", limits.wall_seconds);
  } else if (r.oom_killed) {
    std::snprintf(buf, sizeof buf, "[killed: out of memory (limit %llu MB)]",
                  static_cast<unsigned long long>(limits.memory_bytes >> 20));
  } else if (r.stdout_truncated || r.stderr_truncated) {
    std::snprintf(buf, sizeof buf, "[killed: more than %llu bytes of output]",
                  static_cast<unsigned long long>(limits.max_output_bytes));
  } else if (r.signal != 0) {
    // sigdescr_np, unlike strsignal, is thread-safe.
    const char* name = sigdescr_np(r.signal);
    std::snprintf(buf, sizeof buf, "[killed by signal %d (%s)]", r.signal, name ? name : "unknown");
  } else {
    std::snprintf(buf, sizeof buf, "[exit status %d]", r.exit_code);
  }
  return buf;
}

// Splits `budget` between two texts: each gets half, and what one does not
// need goes to the other.
std::pair<size_t, size_t> share(size_t a, size_t b, size_t budget) {
  size_t half = budget / 2;
  if (a + b <= budget) return {a, b};
  if (a <= half) return {a, budget - a};
  if (b <= half) return {budget - b, b};
  return {half, budget - half};
}

}  // namespace

PythonTool::PythonTool(std::shared_ptr<sandbox::Sandbox> sandbox, PythonToolOptions options)
    : Tool("python", kDescription, argument_schema(), options.max_chars),
      sandbox_(std::move(sandbox)),
      options_(options) {}

RunOutput PythonTool::run(const json& arguments) {
  sandbox::ExecRequest request;
  request.code = arguments.at("code").get<std::string>();
  request.limits = options_.limits;
  sandbox::ExecResult r = sandbox_->run(request);
  PythonFailure failure = classify_python_failure(r);

  RunOutput out;
  out.outcome = r.succeeded() ? "ok" : "failed";
  out.error_class = failure.error_class;
  out.details["exec"] = exec_result_json(r);
  out.details["exception_type"] = failure.exception_type;
  out.details["exception_message"] = failure.exception_message;
  out.details["limits"] = {{"wall_seconds", options_.limits.wall_seconds},
                           {"memory_bytes", options_.limits.memory_bytes},
                           {"cpus", options_.limits.cpus}};
  std::string status = r.succeeded() ? "" : status_line(r, options_.limits);
  if (!r.succeeded()) {
    out.error = status;
    if (!failure.exception_type.empty()) out.error += " " + failure.exception_type + ": " + failure.exception_message;
  }

  // Labels only where they are needed to tell the streams apart.
  const std::string stderr_label = r.stdout_data.empty() ? "" : "[stderr]\n";
  size_t fixed = stderr_label.size() + status.size() + 2;  // newlines between parts
  size_t budget = options_.max_chars > fixed + 128 ? options_.max_chars - fixed : 128;
  auto [out_budget, err_budget] = share(r.stdout_data.size(), r.stderr_data.size(), budget);
  std::string stdout_text = truncate_middle(r.stdout_data, out_budget);
  std::string stderr_text = truncate_middle(r.stderr_data, err_budget);
  out.text_truncated = stdout_text.size() != r.stdout_data.size() || stderr_text.size() != r.stderr_data.size();

  std::string text = stdout_text;
  auto add = [&text](const std::string& part) {
    if (part.empty()) return;
    if (!text.empty() && text.back() != '\n') text += '\n';
    text += part;
  };
  if (!stderr_text.empty()) add(stderr_label + stderr_text);
  add(status);
  if (text.empty()) text = "(no output)";
  out.text = std::move(text);
  return out;
}

}  // namespace agentcoder::tools
