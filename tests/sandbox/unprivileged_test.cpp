// The sandbox run by an ordinary user: with a delegated cgroup it enforces
// everything (the whole attack suite is re-run as that user); without one it
// refuses with one line, or, with weaker isolation allowed, runs and says
// what is missing. The test runs as root, creates the system user
// agentcoder-test if needed, and skips only where the kernel forbids
// unprivileged user namespaces.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "process_helpers.h"

namespace agentcoder::sandbox::testing {
namespace {

namespace fs = std::filesystem;

class Unprivileged : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to create the test user (already unprivileged)";
    passwd* pw = getpwnam("agentcoder-test");
    // Another test process (ctest -j) may be adding it at the same moment.
    for (int attempt = 0; !pw && attempt < 5; ++attempt) {
      if (std::system("useradd --system --no-create-home --shell /usr/sbin/nologin agentcoder-test 2>/dev/null") != 0)
        sleep(1);
      pw = getpwnam("agentcoder-test");
    }
    ASSERT_TRUE(pw) << "could not create the user agentcoder-test with useradd";
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;
    // Copies of the binaries the user can reach whatever the build dir's permissions.
    char tmpl[] = "/tmp/agentcoder-unpriv-XXXXXX";
    ASSERT_TRUE(mkdtemp(tmpl));
    dir_ = tmpl;
    chmod(dir_.c_str(), 0755);
    for (const char* bin : {SANDBOX_PROBE, SECURITY_TESTS}) {
      fs::path dst = fs::path(dir_) / fs::path(bin).filename();
      fs::copy_file(bin, dst);
      chmod(dst.c_str(), 0755);
    }
    probe_ = dir_ + "/" + fs::path(SANDBOX_PROBE).filename().string();
    cgroup_ = std::make_unique<DelegatedCgroup>("agentcoder-test-" + std::to_string(getpid()), uid_, gid_);

    int status;
    std::string out = finish(spawn({probe_, "--weak", "print(1)"}, {}, uid_, gid_), status);
    if (out.find("namespaces") != std::string::npos)
      GTEST_SKIP() << "this kernel forbids unprivileged user namespaces: " << field(out, "unavailable");
  }
  void TearDown() override {
    cgroup_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::string probe(const std::vector<std::string>& args, int& status) {
    std::vector<std::string> argv = {probe_};
    argv.insert(argv.end(), args.begin(), args.end());
    return finish(spawn(argv, {"PATH=/usr/bin:/bin"}, uid_, gid_), status);
  }
  std::string parent() const { return "agentcoder-test-" + std::to_string(getpid()); }

  uid_t uid_ = 0;
  gid_t gid_ = 0;
  std::string dir_, probe_;
  std::unique_ptr<DelegatedCgroup> cgroup_;
};

TEST_F(Unprivileged, FullIsolationWithADelegatedCgroup) {
  for (const char* path : {"--cold", "--wall"}) {
    int status;
    std::vector<std::string> args = {"--cgroup-parent", parent()};
    if (std::string(path) == "--cold") args.push_back("--cold");
    args.push_back(R"PY(
import os
st = dict(l.split(':', 1) for l in open('/proc/self/status').read().splitlines())
print(os.getuid(), int(st['CapEff'], 16), st['Seccomp'].strip(), os.path.exists('/etc/shadow'), flush=True)
try:
    b = bytearray(400 << 20)
except MemoryError:
    pass
)PY");
    std::string out = probe(args, status);
    ASSERT_EQ(WEXITSTATUS(status), 0) << out;
    EXPECT_EQ(field(out, "stdout"), "1000 0 2 False") << out;
    EXPECT_EQ(field(out, "oom"), "1") << "the memory limit did not hold: " << out;
    EXPECT_EQ(field(out, "missing"), "") << out;
    for (const std::string& line : {field(out, "cgroup")}) EXPECT_NE(line.find(parent()), std::string::npos);
  }
}

TEST_F(Unprivileged, RefusesWithoutACgroupItCanUse) {
  int status;
  std::string out = probe({"print(1)"}, status);
  EXPECT_EQ(WEXITSTATUS(status), 3) << out;
  std::string why = field(out, "unavailable");
  EXPECT_NE(why.find("memory cgroup"), std::string::npos) << out;
  EXPECT_EQ(why.find('\n'), std::string::npos);
}

TEST_F(Unprivileged, WeakerIsolationSaysWhatIsMissing) {
  int status;
  std::string out = probe({"--weak", "import os\nprint(os.getuid())"}, status);
  ASSERT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_EQ(field(out, "stdout"), "1000");
  EXPECT_NE(out.find("missing=memory cgroup"), std::string::npos) << out;
  EXPECT_NE(out.find("missing=pids cgroup"), std::string::npos) << out;
}

TEST_F(Unprivileged, AttackSuitePasses) {
  std::string suite = dir_ + "/" + fs::path(SECURITY_TESTS).filename().string();
  int status;
  std::string out = finish(spawn({suite, "--gtest_brief=1"},
                                 {"PATH=/usr/bin:/bin", "AGENTCODER_TEST_CGROUP_PARENT=" + parent()}, uid_, gid_),
                           status);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out.substr(out.size() > 6000 ? out.size() - 6000 : 0);
  EXPECT_NE(out.find("PASSED"), std::string::npos);
}

}  // namespace
}  // namespace agentcoder::sandbox::testing
