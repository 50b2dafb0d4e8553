// Classification from ExecResults built by hand, for the cases a real run
// cannot produce on demand (a seccomp kill) and for traceback shapes.
#include "tools/python_failure.h"

#include <gtest/gtest.h>

#include <csignal>

namespace agentcoder::tools {
namespace {

sandbox::ExecResult failed_with(const std::string& stderr_text, int exit_code = 1) {
  sandbox::ExecResult r;
  r.exit_code = exit_code;
  r.stderr_data = stderr_text;
  return r;
}

TEST(PythonFailure, SuccessHasNoClass) {
  sandbox::ExecResult r;
  r.exit_code = 0;
  r.stderr_data = "Traceback (most recent call last):\nValueError: printed, not raised\n";
  EXPECT_EQ(classify_python_failure(r).error_class, "");
}

TEST(PythonFailure, SeccompKillIsSandboxDenied) {
  sandbox::ExecResult r;
  r.exit_code = -1;
  r.signal = SIGSYS;
  EXPECT_EQ(classify_python_failure(r).error_class, "sandbox_denied");
  r.signal = SIGSEGV;
  EXPECT_EQ(classify_python_failure(r).error_class, "signal");
}

TEST(PythonFailure, LimitsComeBeforeTheTraceback) {
  sandbox::ExecResult r = failed_with("Traceback (most recent call last):\nZeroDivisionError: x\n", -1);
  r.timed_out = true;
  EXPECT_EQ(classify_python_failure(r).error_class, "timeout");
  r.timed_out = false;
  r.oom_killed = true;
  EXPECT_EQ(classify_python_failure(r).error_class, "memory");
  r.oom_killed = false;
  r.stdout_truncated = true;
  EXPECT_EQ(classify_python_failure(r).error_class, "output_limit");
}

TEST(PythonFailure, PermissionErrorsAreSandboxDenied) {
  auto c = classify_python_failure(
      failed_with("Traceback (most recent call last):\n  File \"<string>\", line 1\nPermissionError: [Errno 13] no\n"));
  EXPECT_EQ(c.error_class, "sandbox_denied");
  EXPECT_EQ(c.exception_type, "PermissionError");
  // An OSError for another reason is an ordinary runtime error.
  c = classify_python_failure(
      failed_with("Traceback (most recent call last):\nOSError: [Errno 2] No such file or directory: 'x'\n"));
  EXPECT_EQ(c.error_class, "runtime_error");
}

// numpy failing for a library the sandbox does not show is the harness's
// failure, not the model's import error.
TEST(PythonFailure, MissingSharedLibraryIsTheSandboxs) {
  auto c = classify_python_failure(failed_with(
      "Traceback (most recent call last):\n  File \"<string>\", line 1, in <module>\n"
      "ImportError: libblas.so.3: cannot open shared object file: No such file or directory\n"));
  EXPECT_EQ(c.error_class, "sandbox_denied");
  c = classify_python_failure(failed_with(
      "Traceback (most recent call last):\nModuleNotFoundError: No module named 'numpy_that_is_not_there'\n"));
  EXPECT_EQ(c.error_class, "import_error");
}

TEST(PythonFailure, ChainedExceptionsReportTheLast) {
  std::string err =
      "Traceback (most recent call last):\n  File \"<string>\", line 2, in <module>\nKeyError: 'a'\n\n"
      "During handling of the above exception, another exception occurred:\n\n"
      "Traceback (most recent call last):\n  File \"<string>\", line 4, in <module>\n"
      "NameError: name 'b' is not defined\n";
  auto c = classify_python_failure(failed_with(err));
  EXPECT_EQ(c.error_class, "name_error");
  EXPECT_EQ(c.exception_type, "NameError");
  EXPECT_EQ(c.exception_message, "name 'b' is not defined");
}

TEST(PythonFailure, ProgramStderrBeforeTheTracebackIsIgnored) {
  std::string err = "warning: Error: not an exception line\nTraceback (most recent call last):\n"
                    "  File \"<string>\", line 1, in <module>\n    raise ValueError('two\\nlines')\n"
                    "ValueError: two\nlines\n";
  auto c = classify_python_failure(failed_with(err));
  EXPECT_EQ(c.exception_type, "ValueError");
  EXPECT_EQ(c.exception_message, "two");
}

TEST(PythonFailure, ExceptionWithoutMessage) {
  std::string type, message;
  ASSERT_TRUE(parse_last_exception("Traceback (most recent call last):\n  File \"x\"\nStopIteration\n", &type, &message));
  EXPECT_EQ(type, "StopIteration");
  EXPECT_EQ(message, "");
}

TEST(PythonFailure, TextThatLooksLikeAnExceptionIsNotOneWithoutATraceback) {
  auto c = classify_python_failure(failed_with("Error: bad input\n"));
  EXPECT_EQ(c.error_class, "nonzero_exit");
  EXPECT_EQ(c.exception_type, "");
}

}  // namespace
}  // namespace agentcoder::tools
