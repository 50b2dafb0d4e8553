// The warm and the cold path run a program the way plain Python does: a
// corpus of ordinary and odd programs (a BOM, coding declarations, bytes
// that are not UTF-8, lone surrogates, odd SystemExit values, a failed flush
// at exit) runs on both paths and under plain `python3 -I -`, and stdout,
// stderr and the exit status must be identical. Plain Python reads the
// program from stdin, so its file name "<stdin>" stands for the sandbox's
// "<string>"; nothing else is rewritten.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "leftovers.h"
#include "sandbox/sandbox.h"

namespace agentcoder::sandbox::testing {
namespace {

struct Program {
  std::string name;
  std::string code;  // bytes
};

std::vector<Program> corpus() {
  return {
      {"hello", "print('hello')\n"},
      {"traceback", "def f():\n    return 1 / 0\nf()\n"},
      {"syntax_error", "x = (1,\nprint(x)\n"},
      {"indentation_error", "if True:\nprint(1)\n"},
      {"stdout_and_stderr", "import sys\nprint('out')\nprint('err', file=sys.stderr)\nprint('out2')\n"},
      {"unicode_output", "print('h\\u00e9llo \\u4e16\\u754c \\U0001F600')\n"},
      {"bom", "\xef\xbb\xbfprint('bom')\n"},
      {"bom_and_utf8_declaration", "\xef\xbb\xbf# -*- coding: utf-8 -*-\nprint('ok')\n"},
      {"bom_and_latin1_declaration", "\xef\xbb\xbf# -*- coding: latin-1 -*-\nprint(1)\n"},
      {"latin1_declaration", "# -*- coding: latin-1 -*-\nprint('\xe9', len('\xe9'))\n"},
      {"declaration_on_line_two", "#!/usr/bin/python3\n# vim: set fileencoding=latin-1 :\nprint('\xe9')\n"},
      {"unknown_encoding", "# coding: no-such-codec\nprint(1)\n"},
      {"invalid_utf8_in_literal", "x = 1\ny = 'ab\xff'\nprint(y)\n"},
      {"invalid_utf8_in_comment", "# caf\xe9\nprint(2)\n"},
      {"invalid_utf8_declared_utf8", "# coding: utf-8\nprint('\xff')\n"},
      {"lone_surrogate_stdout", "print('\\udc80 and \\ud800')\n"},
      {"lone_surrogate_stderr", "import sys\nprint('\\udc80', file=sys.stderr)\n"},
      {"surrogate_repr", "print(ascii('\\udc80'), repr('\\ud800'))\n"},
      {"exit_none", "raise SystemExit(None)\n"},
      {"exit_3", "import sys\nsys.exit(3)\n"},
      {"exit_256", "import sys\nsys.exit(256)\n"},
      {"exit_negative", "import sys\nsys.exit(-1)\n"},
      {"exit_huge", "import sys\nsys.exit(2**70)\n"},
      {"exit_true", "raise SystemExit(True)\n"},
      {"exit_string", "import sys\nsys.exit('bye')\n"},
      {"exit_float", "raise SystemExit(3.5)\n"},
      {"exit_tuple", "raise SystemExit(1, 2)\n"},
      {"exit_unprintable", "class E:\n    def __str__(self):\n        raise ValueError\nraise SystemExit(E())\n"},
      {"exit_after_output", "print('partial', end='')\nimport sys\nsys.exit(4)\n"},
      {"keyboard_interrupt_caught", "try:\n    raise KeyboardInterrupt\nexcept KeyboardInterrupt:\n    print('caught')\n"},
      // Signals the program sends itself (it is not its pid namespace's init).
      {"abort", "import os\nprint('before', flush=True)\nos.abort()\n"},
      {"sigterm_self", "import os, signal\nprint('before')\nos.kill(os.getpid(), signal.SIGTERM)\nprint('after')\n"},
      {"sigint_self", "import os, signal, time\nos.kill(os.getpid(), signal.SIGINT)\ntime.sleep(1)\n"},
      {"keyboard_interrupt_uncaught",
       "import atexit\natexit.register(print, 'at exit')\nprint('main')\nraise KeyboardInterrupt\n"},
      {"exception_chain", "try:\n    {}['a']\nexcept KeyError as e:\n    raise ValueError('b') from e\n"},
      {"stdout_closed_at_exit", "import os\nprint('lost')\nos.close(1)\n"},
      {"atexit_output", "import atexit\natexit.register(print, 'at exit')\nprint('main')\n"},
      {"atexit_raises", "import atexit\nclass F:\n    def __call__(self):\n        raise RuntimeError('in atexit')\n"
                        "    def __repr__(self):\n        return 'F()'\natexit.register(F())\n"},
      {"stdin_at_eof", "import sys\nprint(repr(sys.stdin.read()))\n"},
      {"stream_attributes",
       "import sys\nfor s in (sys.stdin, sys.stdout, sys.stderr):\n"
       "    print(repr(s), s.errors, s.line_buffering, s.newlines)\n"},
      {"main_module", "print(__name__, __builtins__.__name__, __doc__, __spec__)\n"},
  };
}

struct Outcome {
  std::string out, err;
  int status = -1;  // exit code, or 128 + signal
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
  return s;
}

// Plain `python3 -I -` with the sandbox's environment, the program on stdin.
Outcome plain_python(const std::string& dir, const Program& p) {
  std::string prog = dir + "/prog", out = dir + "/out", err = dir + "/err";
  std::ofstream(prog, std::ios::binary) << p.code;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, prog.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> args = {"python3", "-I", "-"};
  std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "TMPDIR=/tmp", "LANG=C.UTF-8",
                                  "USER=sandbox", "PYTHONHASHSEED=0"};
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  for (auto& e : env) envp.push_back(e.data());
  argv.push_back(nullptr);
  envp.push_back(nullptr);
  pid_t pid;
  Outcome o;
  if (posix_spawn(&pid, "/usr/bin/python3", &actions, nullptr, argv.data(), envp.data()) != 0) return o;
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  waitpid(pid, &status, 0);
  o.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  o.out = read_file(out);
  o.err = replace_all(read_file(err), "<stdin>", "<string>");
  return o;
}

Outcome in_sandbox(Sandbox& sandbox, const Program& p) {
  ExecRequest r;
  r.code = p.code;
  ExecResult result = sandbox.run(r);
  Outcome o;
  o.status = result.signal ? 128 + result.signal : result.exit_code;
  o.out = result.stdout_data;
  o.err = result.stderr_data;
  return o;
}

class RunnerSemantics : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    SandboxOptions warm;
    warm.host_uid_base = unique_uid_base(4);
    warm.max_concurrent_runs = 1;
    warm_ = make_sandbox(warm).release();
    SandboxOptions cold = warm;
    cold.warm = false;
    cold.host_uid_base = unique_uid_base(5);
    cold_ = make_sandbox(cold).release();
  }
  static void TearDownTestSuite() {
    delete warm_;
    delete cold_;
  }
  static Sandbox* warm_;
  static Sandbox* cold_;
};
Sandbox* RunnerSemantics::warm_ = nullptr;
Sandbox* RunnerSemantics::cold_ = nullptr;

TEST_F(RunnerSemantics, WarmColdAndPlainPythonAgree) {
  char dir[] = "/tmp/agentcoder-runner-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  int compared = 0;
  for (const Program& p : corpus()) {
    SCOPED_TRACE(p.name);
    Outcome plain = plain_python(dir, p);
    ASSERT_GE(plain.status, 0) << "plain python3 did not run";
    Outcome warm = in_sandbox(*warm_, p);
    Outcome cold = in_sandbox(*cold_, p);
    EXPECT_EQ(warm.out, plain.out) << "warm stdout";
    EXPECT_EQ(warm.err, plain.err) << "warm stderr";
    EXPECT_EQ(warm.status, plain.status) << "warm exit status";
    EXPECT_EQ(cold.out, plain.out) << "cold stdout";
    EXPECT_EQ(cold.err, plain.err) << "cold stderr";
    EXPECT_EQ(cold.status, plain.status) << "cold exit status";
    ++compared;
  }
  EXPECT_EQ(compared, static_cast<int>(corpus().size()));
  for (const char* f : {"prog", "out", "err"}) unlink((std::string(dir) + "/" + f).c_str());
  rmdir(dir);
}

// Plain Python 3.11 reads a NUL byte in a program erratically (it drops the
// rest of the line, or joins it to the next); both paths refuse it in the
// words of Python 3.12, the same way.
TEST_F(RunnerSemantics, NulBytesAreRefusedAlikeOnBothPaths) {
  for (const std::string& code : {std::string("print('a\0b')\n", 13), std::string("x = 1 # a\0b\nprint(x)\n", 21)}) {
    Outcome warm = in_sandbox(*warm_, {"nul", code});
    Outcome cold = in_sandbox(*cold_, {"nul", code});
    EXPECT_EQ(warm.status, 1);
    EXPECT_EQ(warm.out, "");
    EXPECT_NE(warm.err.find("SyntaxError: source code cannot contain null bytes\n"), std::string::npos) << warm.err;
    EXPECT_EQ(cold.status, warm.status);
    EXPECT_EQ(cold.out, warm.out);
    EXPECT_EQ(cold.err, warm.err);
  }
}

}  // namespace
}  // namespace agentcoder::sandbox::testing
