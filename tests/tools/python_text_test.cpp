// What the model sees from the python tool, for ExecResults made by hand (a
// sandbox stand-in), so that each budget and status case is exact.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>

#include "tools/python_tool.h"

namespace agentcoder::tools {
namespace {

using nlohmann::json;

class FixedSandbox : public sandbox::Sandbox {
 public:
  explicit FixedSandbox(sandbox::ExecResult result) : result_(std::move(result)) {}
  sandbox::ExecResult run(const sandbox::ExecRequest& request) override {
    last_code = request.code;
    return result_;
  }
  std::vector<std::string> missing_protections() const override { return {}; }
  std::vector<sandbox::SlotInfo> slots() const override { return {}; }
  std::string last_code;

 private:
  sandbox::ExecResult result_;
};

ToolResult run_with(const sandbox::ExecResult& result, size_t max_chars = 2000) {
  auto box = std::make_shared<FixedSandbox>(result);
  PythonToolOptions o;
  o.max_chars = max_chars;
  o.limits.wall_seconds = 3;
  PythonTool tool(box, o);
  ToolResult r = tool.invoke(json{{"code", "the code"}});
  EXPECT_EQ(box->last_code, "the code");
  return r;
}

TEST(PythonText, SmallStderrIsKeptWholeWhenStdoutIsHuge) {
  sandbox::ExecResult r;
  r.exit_code = 1;
  r.stdout_data = std::string(50000, 'o');
  r.stderr_data = "Traceback (most recent call last):\n  File \"<string>\", line 9\nValueError: the end\n";
  ToolResult t = run_with(r, 1000);
  EXPECT_LE(t.text.size(), 1000u);
  EXPECT_NE(t.text.find("[stderr]\n" + r.stderr_data + "[exit status 1]"), std::string::npos) << t.text;
  EXPECT_EQ(t.record["text_truncated"], true);
  EXPECT_EQ(t.record["details"]["exec"]["stdout"].get<std::string>().size(), 50000u);
}

TEST(PythonText, BothStreamsHugeShareTheBudget) {
  sandbox::ExecResult r;
  r.exit_code = 1;
  r.stdout_data = std::string(50000, 'o');
  r.stderr_data = std::string(50000, 'e');
  ToolResult t = run_with(r, 1000);
  EXPECT_LE(t.text.size(), 1000u);
  size_t o = std::count(t.text.begin(), t.text.end(), 'o'), e = std::count(t.text.begin(), t.text.end(), 'e');
  EXPECT_GT(o, 300u);
  EXPECT_GT(e, 300u);
}

TEST(PythonText, StatusLines) {
  sandbox::ExecResult r;
  r.exit_code = -1;
  r.timed_out = true;
  EXPECT_EQ(run_with(r).text, "[timed out after 3 s]");
  r.timed_out = false;
  r.oom_killed = true;
  EXPECT_EQ(run_with(r).text, "[killed: out of memory (limit 256 MB)]");
  r.oom_killed = false;
  r.signal = SIGKILL;
  EXPECT_EQ(run_with(r).text, "[killed by signal 9 (Killed)]");
  r.signal = 0;
  r.stdout_truncated = true;
  r.stdout_data = "partial";
  ToolResult t = run_with(r);
  EXPECT_EQ(t.text, "partial\n[killed: more than 1048576 bytes of output]");
  EXPECT_EQ(t.error_class, "output_limit");
}

TEST(PythonText, StderrOnlyNeedsNoLabel) {
  sandbox::ExecResult r;
  r.exit_code = 0;
  r.stderr_data = "a warning\n";
  ToolResult t = run_with(r);
  EXPECT_TRUE(t.ok);
  EXPECT_EQ(t.text, "a warning\n");
}

TEST(PythonText, SandboxFailureIsAnInternalError) {
  class BrokenSandbox : public FixedSandbox {
   public:
    BrokenSandbox() : FixedSandbox({}) {}
    sandbox::ExecResult run(const sandbox::ExecRequest&) override { throw std::runtime_error("clone failed"); }
  };
  PythonTool tool(std::make_shared<BrokenSandbox>(), {});
  ToolResult t = tool.invoke(json{{"code", "print(1)"}});
  EXPECT_FALSE(t.ok);
  EXPECT_EQ(t.record["outcome"], "internal_error");
  EXPECT_EQ(t.text, "error: the python tool failed: clone failed");
}

}  // namespace
}  // namespace agentcoder::tools
