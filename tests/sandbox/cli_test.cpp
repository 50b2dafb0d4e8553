// `agentcoder sandbox run|check` end to end: results, exit codes and
// one-line errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "process_helpers.h"

namespace agentcoder::sandbox::testing {
namespace {

std::string cli(const std::vector<std::string>& args, int& code) {
  std::vector<std::string> argv = {AGENTCODER_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  int status;
  std::string out = finish(spawn(argv, {"PATH=/usr/bin:/bin"}), status);
  code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST(SandboxCli, RunPrintsTheProgramsOutputAndAStatusLine) {
  int code;
  std::string out = cli({"sandbox", "run", "-c", "print(6 * 7)"}, code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out.rfind("42\nsandbox: exit 0, ", 0), 0u) << out;
}

TEST(SandboxCli, RunJsonCarriesTheResult) {
  int code;
  std::string out = cli({"sandbox", "run", "--json", "--timeout", "0.5", "-c", "import time\ntime.sleep(3)"}, code);
  EXPECT_EQ(code, 1);  // the program failed: it timed out
  // stderr shares the pipe and is unbuffered: the error line may come first.
  size_t open = out.find('{'), close = out.rfind('}');
  ASSERT_NE(open, std::string::npos) << out;
  nlohmann::json j = nlohmann::json::parse(out.substr(open, close - open + 1));
  EXPECT_TRUE(j["timed_out"].get<bool>());
  EXPECT_EQ(j["signal"], 9);
  EXPECT_TRUE(j["missing_protections"].empty());
  EXPECT_NE(out.find("agentcoder: error: the program failed: timed out"), std::string::npos) << out;
}

TEST(SandboxCli, BadInputIsOneLineAndExitTwo) {
  int code;
  std::string out = cli({"sandbox", "run", "--file", "/nonexistent/x.py"}, code);
  EXPECT_EQ(code, 2);
  EXPECT_EQ(out, "agentcoder: sandbox run: --file /nonexistent/x.py: no such file\n");
  out = cli({"sandbox", "run", "-c", "print(1)", "--memory", "4"}, code);
  EXPECT_EQ(code, 2);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  out = cli({"sandbox", "run"}, code);
  EXPECT_EQ(code, 2);
}

TEST(SandboxCli, RefusesAShimInOneLine) {
  int code;
  std::string out = cli({"sandbox", "run", "--python", "/bin/sh", "-c", "print(1)"}, code);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_NE(out.find("sandbox unavailable: python interpreter"), std::string::npos) << out;
}

TEST(SandboxCli, CheckReportsEveryFeature) {
  int code;
  std::string out = cli({"sandbox", "check", "--json"}, code);
  EXPECT_EQ(code, 0) << out;
  nlohmann::json j = nlohmann::json::parse(out);
  EXPECT_TRUE(j["defaults_enforceable"].get<bool>());
  std::set<std::string> names;
  for (const auto& f : j["features"]) names.insert(f["name"].get<std::string>());
  for (const char* n : {"memory cgroup", "pids cgroup", "cpu cgroup", "seccomp filter", "python interpreter"})
    EXPECT_TRUE(names.count(n)) << n;
}

}  // namespace
}  // namespace agentcoder::sandbox::testing
