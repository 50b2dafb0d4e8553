// Why a Python run failed, for later analysis, read from the ExecResult and
// the traceback on stderr.
//
// Classes (error_class), first match wins:
//   timeout         the wall-clock limit killed it
//   memory          the memory limit killed it, or it raised MemoryError
//   output_limit    it wrote more than the sandbox lets a run write
//   sandbox_denied  the sandbox refused something: killed by SIGSYS
//                   (seccomp), PermissionError, or an OSError for EPERM,
//                   EACCES, EROFS, ENOSYS or an unreachable network, an
//                   ImportError for a shared library missing from its view,
//                   or SQLite's "disk I/O error" (file locks are refused)
//   syntax_error    SyntaxError, IndentationError, TabError
//   name_error      NameError, UnboundLocalError
//   import_error    ImportError, ModuleNotFoundError
//   runtime_error   any other exception; exception_type names it
//   signal          killed by another signal
//   nonzero_exit    exited non-zero with no traceback (e.g. sys.exit(3))
// A run that succeeded has error_class "".
#pragma once

#include <string>

#include "sandbox/sandbox.h"

namespace agentcoder::tools {

struct PythonFailure {
  std::string error_class;        // "" when the run succeeded
  std::string exception_type;     // as printed: "ZeroDivisionError", "json.decoder.JSONDecodeError"
  std::string exception_message;  // the rest of the exception line
};

PythonFailure classify_python_failure(const sandbox::ExecResult& result);

// The last exception printed on stderr, if any: the type and message of the
// final traceback ("Traceback (most recent call last):" ... "Type: message"),
// or of a compile error, which Python prints without that header.
// Returns false if there is none.
bool parse_last_exception(const std::string& stderr_text, std::string* type, std::string* message);

}  // namespace agentcoder::tools
