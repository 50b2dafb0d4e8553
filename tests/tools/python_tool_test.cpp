// The python tool through the real sandbox: what the model sees, the record,
// and the failure classes of real runs.
#include "tools/python_tool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "test_sandbox.h"

namespace agentcoder::tools {
namespace {

using nlohmann::json;

ToolResult run_python(const std::string& code, PythonToolOptions options = {}) {
  PythonTool tool(test_sandbox(), options);
  return tool.invoke(json{{"code", code}});
}

TEST(PythonTool, SuccessShowsStdoutAndRecordsTheRun) {
  // The expected value is computed here, not written down.
  long long expected = 0;
  for (int i = 1; i <= 100; ++i) expected += static_cast<long long>(i) * i;
  ToolResult r = run_python("print(sum(i * i for i in range(1, 101)))");
  ASSERT_TRUE(r.ok) << r.record.dump();
  EXPECT_EQ(r.text, std::to_string(expected) + "\n");
  EXPECT_EQ(r.error_class, "");
  const json& exec = r.record["details"]["exec"];
  EXPECT_EQ(exec["exit_code"], 0);
  EXPECT_EQ(exec["stdout"], std::to_string(expected) + "\n");
  EXPECT_EQ(exec["timed_out"], false);
  EXPECT_GT(exec["wall_seconds"].get<double>(), 0.0);
  EXPECT_GT(exec["peak_memory_bytes"].get<uint64_t>(), 0u);
  EXPECT_EQ(r.record["outcome"], "ok");
}

TEST(PythonTool, NoOutputSaysSo) {
  ToolResult r = run_python("x = 1");
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.text, "(no output)");
}

TEST(PythonTool, ExceptionIsClassifiedWithItsType) {
  ToolResult r = run_python("print('before')\nvalues = {}\nvalues['missing']\n");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_class, "runtime_error");
  EXPECT_EQ(r.record["outcome"], "failed");
  EXPECT_EQ(r.record["details"]["exception_type"], "KeyError");
  EXPECT_EQ(r.record["details"]["exception_message"], "'missing'");
  EXPECT_EQ(r.record["details"]["exec"]["exit_code"], 1);
  // The model sees stdout, the traceback after a label, and the status.
  EXPECT_EQ(r.text.rfind("before\n[stderr]\nTraceback (most recent call last):", 0), 0u) << r.text;
  EXPECT_NE(r.text.find("KeyError: 'missing'\n[exit status 1]"), std::string::npos) << r.text;
}

TEST(PythonTool, FailureClassesOfRealRuns) {
  struct Case {
    const char* code;
    const char* error_class;
    const char* exception_type;
  };
  const Case cases[] = {
      {"def f(:\n  pass\n", "syntax_error", "SyntaxError"},
      {"if True:\nprint(1)\n", "syntax_error", "IndentationError"},
      {"print(undefined_name)\n", "name_error", "NameError"},
      {"import numpy_that_is_not_there\n", "import_error", "ModuleNotFoundError"},
      {"1 / 0\n", "runtime_error", "ZeroDivisionError"},
      {"import json\njson.loads('{')\n", "runtime_error", "json.decoder.JSONDecodeError"},
      {"open('/etc/passwd-new', 'w')\n", "sandbox_denied", "OSError"},
      {"import socket\nsocket.create_connection(('192.0.2.1', 80), timeout=1)\n", "sandbox_denied", "OSError"},
      // File locks are refused; SQLite on a file needs them.
      {"import sqlite3\nc = sqlite3.connect('/tmp/t.db')\nc.execute('create table t (x)')\n", "sandbox_denied",
       "sqlite3.OperationalError"},
      {"import sqlite3\nsqlite3.connect(':memory:').execute('select * from missing')\n", "runtime_error",
       "sqlite3.OperationalError"},
      {"import sys\nsys.exit(3)\n", "nonzero_exit", ""},
      {"import sys\nsys.exit('Error: custom message')\n", "nonzero_exit", ""},
      {"raise MemoryError()\n", "memory", "MemoryError"},
      {"import os, signal\nos.abort()\n", "signal", ""},
  };
  for (const Case& c : cases) {
    ToolResult r = run_python(c.code);
    EXPECT_FALSE(r.ok) << c.code;
    EXPECT_EQ(r.error_class, c.error_class) << c.code << "\n" << r.record["details"]["exec"]["stderr"];
    EXPECT_EQ(r.record["details"]["exception_type"], c.exception_type) << c.code;
  }
}

TEST(PythonTool, TimeoutIsClassifiedAndShown) {
  PythonToolOptions o;
  o.limits.wall_seconds = 1.0;
  ToolResult r = run_python("while True:\n    pass\n", o);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_class, "timeout");
  EXPECT_EQ(r.record["details"]["exec"]["timed_out"], true);
  EXPECT_EQ(r.text, "[timed out after 1 s]");
  EXPECT_LT(r.wall_seconds, 5.0);
}

TEST(PythonTool, MemoryLimitIsClassified) {
  PythonToolOptions o;
  o.limits.memory_bytes = 128ull << 20;
  ToolResult r = run_python("x = [0] * (1 << 28)\n", o);  // 2 GiB of pointers
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_class, "memory") << r.record.dump();
}

TEST(PythonTool, LongOutputIsCutForTheModelButKeptInTheRecord) {
  PythonToolOptions o;
  o.max_chars = 500;
  ToolResult r = run_python("for i in range(5000):\n    print('line', i)\nraise ValueError('at the end')\n", o);
  EXPECT_LE(r.text.size(), 500u);
  EXPECT_EQ(r.record["text_truncated"], true);
  EXPECT_EQ(r.text.rfind("line 0\n", 0), 0u);  // the head of stdout
  EXPECT_NE(r.text.find("line 4999\n"), std::string::npos);  // its tail
  EXPECT_NE(r.text.find("ValueError: at the end"), std::string::npos);  // the traceback's last line
  EXPECT_NE(r.text.find("characters omitted"), std::string::npos);
  std::string full = r.record["details"]["exec"]["stdout"];
  size_t lines = 0;
  for (char c : full) lines += c == '\n';
  EXPECT_EQ(lines, 5000u);
}

TEST(PythonTool, ConcurrentCallsGetTheirOwnOutput) {
  PythonTool tool(test_sandbox(), {});
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        int n = t * 100 + i;
        ToolResult r = tool.invoke(json{{"code", "print(" + std::to_string(n) + " * 3)"}});
        if (!r.ok || r.text != std::to_string(n * 3) + "\n") ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, 0);
}

TEST(PythonTool, BadArgumentsDoNotRun) {
  PythonTool tool(test_sandbox(), {});
  ToolResult r = tool.invoke(json{{"code", 42}});
  EXPECT_EQ(r.error_class, "bad_arguments");
  EXPECT_EQ(r.record["details"], json::object());
  EXPECT_EQ(r.text, "error: bad arguments for python: $.code: expected string, got integer");
}

}  // namespace
}  // namespace agentcoder::tools
