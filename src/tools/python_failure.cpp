#include "tools/python_failure.h"

#include <csignal>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

namespace agentcoder::tools {
namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// "Name: message" or "Name", where Name may be dotted (module.Class).
bool exception_line(const std::string& line, std::string* type, std::string* message) {
  static const std::regex re(R"(^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(?::\s?(.*))?$)");
  std::smatch m;
  if (!std::regex_match(line, m, re)) return false;
  *type = m[1];
  *message = m[2];
  return true;
}

bool is_denial(const std::string& type, const std::string& message) {
  if (type == "PermissionError") return true;
  if (type != "OSError") return false;
  // EPERM, EACCES, EROFS, ENOSYS, ENETUNREACH: what the sandbox's read-only
  // root, seccomp filter and empty network namespace give.
  for (const char* e : {"[Errno 1]", "[Errno 13]", "[Errno 30]", "[Errno 38]", "[Errno 101]"}) {
    if (message.rfind(e, 0) == 0) return true;
  }
  return false;
}

}  // namespace

bool parse_last_exception(const std::string& stderr_text, std::string* type, std::string* message) {
  std::vector<std::string> lines = split_lines(stderr_text);
  size_t header = lines.size();
  for (size_t i = lines.size(); i-- > 0;) {
    if (lines[i] == "Traceback (most recent call last):") {
      header = i;
      break;
    }
  }
  if (header < lines.size()) {
    // Frames are indented; the first line after them that is not is the
    // exception (its message may continue on later lines).
    for (size_t i = header + 1; i < lines.size(); ++i) {
      if (lines[i].empty() || lines[i][0] == ' ') continue;
      return exception_line(lines[i], type, message);
    }
    return false;
  }
  // A compile error of the main program: '  File "<string>", line N', the
  // source line, a caret line, then "SyntaxError: ...". Look for that last line.
  static const std::set<std::string> compile_errors = {"SyntaxError", "IndentationError", "TabError"};
  bool saw_file = false;
  for (const auto& line : lines) {
    if (line.rfind("  File \"", 0) == 0) saw_file = true;
    std::string t, m;
    if (saw_file && exception_line(line, &t, &m) && compile_errors.count(t)) {
      *type = t;
      *message = m;
      return true;
    }
  }
  return false;
}

PythonFailure classify_python_failure(const sandbox::ExecResult& r) {
  PythonFailure f;
  if (r.succeeded()) return f;
  bool has_exception = parse_last_exception(r.stderr_data, &f.exception_type, &f.exception_message);
  const std::string& t = f.exception_type;
  if (r.timed_out) f.error_class = "timeout";
  else if (r.oom_killed || t == "MemoryError") f.error_class = "memory";
  else if (r.stdout_truncated || r.stderr_truncated) f.error_class = "output_limit";
  else if (r.signal == SIGSYS || (has_exception && is_denial(t, f.exception_message))) f.error_class = "sandbox_denied";
  // A package whose shared library the sandbox's view lacks: the harness's
  // doing, not the model's import.
  else if ((t == "ImportError" || t == "ModuleNotFoundError") &&
           f.exception_message.find("cannot open shared object file") != std::string::npos)
    f.error_class = "sandbox_denied";
  // SQLite on a file: the filter refuses file locks (channels between runs,
  // src/sandbox/README.md), which SQLite reports as an I/O error.
  else if (t == "sqlite3.OperationalError" && f.exception_message == "disk I/O error")
    f.error_class = "sandbox_denied";
  else if (t == "SyntaxError" || t == "IndentationError" || t == "TabError") f.error_class = "syntax_error";
  else if (t == "NameError" || t == "UnboundLocalError") f.error_class = "name_error";
  else if (t == "ImportError" || t == "ModuleNotFoundError") f.error_class = "import_error";
  else if (has_exception) f.error_class = "runtime_error";
  else if (r.signal != 0) f.error_class = "signal";
  else f.error_class = "nonzero_exit";
  return f;
}

}  // namespace agentcoder::tools
