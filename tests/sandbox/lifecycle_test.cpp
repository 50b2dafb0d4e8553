// Nothing is left behind: when a Sandbox is destroyed, when its zygote
// dies, and when the supervisor process itself is killed in the middle of a
// run (its launchers notice the closed socket, kill the run, and remove the
// slot cgroups).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "leftovers.h"
#include "process_helpers.h"
#include "sandbox/sandbox.h"

namespace agentcoder::sandbox::testing {
namespace {

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// Polls `gone` for up to five seconds.
template <typename F>
bool eventually(F gone) {
  for (int i = 0; i < 500; ++i) {
    if (gone()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(Lifecycle, DestroyingTheSandboxRemovesSlotsAndHelpers) {
  for (bool warm : {false, true}) {
    SandboxOptions o;
    o.warm = warm;
    o.host_uid_base = unique_uid_base(4);
    auto sandbox = make_sandbox(o);
    ExecRequest r;
    r.code = "print(1)";
    ASSERT_EQ(sandbox->run(r).stdout_data, "1\n");
    std::vector<SlotInfo> slots = sandbox->slots();
    ASSERT_FALSE(slots.empty());
    sandbox.reset();
    for (const SlotInfo& s : slots) {
      EXPECT_FALSE(alive(s.launcher_pid));
      if (warm) {
        EXPECT_FALSE(alive(s.zygote_pid));
      }
      for (const std::string& d : s.cgroup_dirs) EXPECT_FALSE(exists(d)) << d;
      EXPECT_TRUE(pids_of_uid(s.host_uid).empty());
    }
  }
}

TEST(Lifecycle, AKilledZygoteIsReplaced) {
  SandboxOptions o;
  o.host_uid_base = unique_uid_base(5);
  o.max_concurrent_runs = 1;
  auto sandbox = make_sandbox(o);
  SlotInfo before = sandbox->slots().at(0);
  ASSERT_GT(before.zygote_pid, 0);
  ASSERT_EQ(kill(before.zygote_pid, SIGKILL), 0);
  ExecRequest r;
  r.code = "print('after')";
  // The run that finds the zygote dead fails cleanly; the next gets a new slot.
  try {
    sandbox->run(r);
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("zygote"), std::string::npos) << e.what();
  }
  ExecResult after = sandbox->run(r);
  EXPECT_EQ(after.stdout_data, "after\n");
  EXPECT_NE(sandbox->slots().at(0).zygote_pid, before.zygote_pid);
  for (const std::string& d : before.cgroup_dirs) EXPECT_FALSE(exists(d)) << d;
}

class SupervisorKilled : public ::testing::TestWithParam<bool> {};

TEST_P(SupervisorKilled, MidRunLeavesNothing) {
  std::vector<std::string> argv = {SANDBOX_PROBE, "--announce", "--wall", "30"};
  if (!GetParam()) argv.push_back("--cold");
  argv.push_back("import os, time\nif os.fork() == 0:\n    os.setsid()\ntime.sleep(100)");
  Child c = spawn(argv, {"PATH=/usr/bin:/bin"});
  ASSERT_GT(c.pid, 0);
  std::string out;
  char buf[4096];
  while (out.find("running\n") == std::string::npos) {
    ssize_t n = read(c.out, buf, sizeof buf);
    ASSERT_GT(n, 0) << "the probe ended early: " << out;
    out.append(buf, static_cast<size_t>(n));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the run is under way
  pid_t launcher = std::stoi(field(out, "launcher"));
  pid_t zygote = std::stoi(field(out, "zygote"));
  std::vector<std::string> dirs;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("cgroup=", 0) == 0) dirs.push_back(line.substr(7));
  ASSERT_FALSE(dirs.empty());
  std::string procs = slurp(dirs[0] + "/cgroup.procs");
  EXPECT_GE(std::count(procs.begin(), procs.end(), '\n'), GetParam() ? 4 : 3) << "the run is not in its slot: " << procs;

  kill(c.pid, SIGKILL);
  int status;
  finish(c, status);
  EXPECT_TRUE(eventually([&] { return !alive(launcher) && (zygote <= 0 || !alive(zygote)); }));
  for (const std::string& d : dirs) EXPECT_TRUE(eventually([&] { return !exists(d); })) << d << " was left";
}

INSTANTIATE_TEST_SUITE_P(Paths, SupervisorKilled, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "warm" : "cold"; });

}  // namespace
}  // namespace agentcoder::sandbox::testing
