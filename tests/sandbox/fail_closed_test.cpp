// Fail closed: on a host without user namespaces the sandbox refuses, with
// one line naming what is missing, even when weaker isolation is allowed.
// The test makes such a host for one process: a user namespace of its own
// whose user.max_user_namespaces is 0 (that sysctl is per namespace).
#include <gtest/gtest.h>
#include <sched.h>

#include "process_helpers.h"

namespace agentcoder::sandbox::testing {
namespace {

// Runs the probe with `args` where no further user namespace can be made.
std::string probe_without_userns(const std::vector<std::string>& args, int& status) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return "";
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 1);
    dup2(p[1], 2);
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER) != 0) _exit(120);
    int fd = open("/proc/self/setgroups", O_WRONLY);
    if (fd >= 0) {
      (void)!write(fd, "deny", 4);
      close(fd);
    }
    std::string uid_map = "0 " + std::to_string(uid) + " 1", gid_map = "0 " + std::to_string(gid) + " 1";
    fd = open("/proc/self/uid_map", O_WRONLY);
    if (fd < 0 || write(fd, uid_map.data(), uid_map.size()) < 0) _exit(121);
    close(fd);
    fd = open("/proc/self/gid_map", O_WRONLY);
    if (fd < 0 || write(fd, gid_map.data(), gid_map.size()) < 0) _exit(122);
    close(fd);
    fd = open("/proc/sys/user/max_user_namespaces", O_WRONLY);
    if (fd < 0 || write(fd, "0", 1) != 1) _exit(123);
    close(fd);
    std::vector<std::string> argv = {SANDBOX_PROBE};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    char* envp[] = {nullptr};
    execve(a[0], a.data(), envp);
    _exit(124);
  }
  close(p[1]);
  return finish({pid, p[0]}, status);
}

TEST(FailClosed, RefusesWithoutUserNamespaces) {
  for (bool weak : {false, true}) {
    int status;
    std::vector<std::string> args;
    if (weak) args.push_back("--weak");
    args.push_back("print('must not run')");
    std::string out = probe_without_userns(args, status);
    if (WIFEXITED(status) && WEXITSTATUS(status) >= 120 && WEXITSTATUS(status) <= 124)
      GTEST_SKIP() << "cannot make a user namespace without nested ones here (step " << WEXITSTATUS(status) << ")";
    EXPECT_EQ(WEXITSTATUS(status), 3) << out;
    std::string why = field(out, "unavailable");
    EXPECT_NE(why.find("namespaces"), std::string::npos) << out;
    EXPECT_EQ(out.find("must not run"), std::string::npos);
    EXPECT_EQ(out.find("stdout="), std::string::npos);
  }
}

}  // namespace
}  // namespace agentcoder::sandbox::testing
