// A crash inside the sandbox never reaches a pipe core handler on the host
// (core_pattern "|...", as apport and systemd-coredump install), which would
// get the run's memory as root. The test installs a throwaway handler that
// only touches a marker file, proves it fires for a crash outside the
// sandbox, crashes a run on each path, and always puts the old pattern back.
// It needs to write /proc/sys/kernel/core_pattern (root on the host); where
// it cannot, it skips and says so. The pattern is host-wide and every dump
// is counted, so ctest runs this test alone (RUN_SERIAL).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "leftovers.h"
#include "sandbox/cgroups.h"
#include "sandbox/sandbox.h"

namespace agentcoder::sandbox::testing {
namespace {

constexpr const char* kPatternFile = "/proc/sys/kernel/core_pattern";

// Installs `pattern` for its lifetime; the old one is restored on every exit path.
class ThrowawayCorePattern {
 public:
  explicit ThrowawayCorePattern(const std::string& pattern) : saved_(read_text_file(kPatternFile)) {
    if (!saved_.empty() && saved_.back() == '\n') saved_.pop_back();
    installed_ = !saved_.empty() && write_text_file(kPatternFile, pattern);
    error_ = installed_ ? "" : std::strerror(errno);
  }
  ~ThrowawayCorePattern() {
    if (installed_) write_text_file(kPatternFile, saved_);
  }
  bool installed() const { return installed_; }
  const std::string& error() const { return error_; }

 private:
  std::string saved_, error_;
  bool installed_ = false;
};

// Whether `path` appears within `seconds` (the handler runs asynchronously).
bool appears(const std::string& path, double seconds) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (access(path.c_str(), F_OK) == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return access(path.c_str(), F_OK) == 0;
}

TEST(CoreDumps, NeverReachAPipeHandler) {
  if (access("/usr/bin/touch", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/touch to serve as the throwaway handler";
  const std::string dir = "/tmp/agentcoder-core-" + std::to_string(getpid());
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0) << std::strerror(errno);
  SandboxOptions warm_options;
  warm_options.host_uid_base = unique_uid_base(6);
  SandboxOptions cold_options = warm_options;
  cold_options.warm = false;
  cold_options.host_uid_base = unique_uid_base(7);
  auto warm = make_sandbox(warm_options);
  auto cold = make_sandbox(cold_options);
  {
    ThrowawayCorePattern pattern("|/usr/bin/touch " + dir + "/%P");  // %P: the pid on the host
    if (!pattern.installed()) {
      rmdir(dir.c_str());
      GTEST_SKIP() << "cannot write " << kPatternFile << " (" << pattern.error() << "): needs root on the host";
    }
    // Positive control: a crash outside the sandbox reaches the handler.
    pid_t pid = fork();
    if (pid == 0) {
      rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
      setrlimit(RLIMIT_CORE, &unlimited);
      signal(SIGSEGV, SIG_DFL);
      raise(SIGSEGV);
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    ASSERT_TRUE(appears(dir + "/" + std::to_string(pid), 5.0))
        << "the throwaway handler did not run for a crash outside the sandbox: the check below would prove nothing";

    for (Sandbox* sandbox : {warm.get(), cold.get()}) {
      ExecRequest r;
      r.code = "import ctypes\nprint('crashing', flush=True)\nctypes.string_at(0)\n";
      ExecResult result = sandbox->run(r);
      SCOPED_TRACE(result.warm ? "warm" : "cold");
      EXPECT_EQ(result.stdout_data, "crashing\n");
      EXPECT_EQ(result.signal, SIGSEGV);
      r.code = "import os\nos.abort()\n";  // a dumping signal the program sends itself
      EXPECT_EQ(sandbox->run(r).signal, SIGABRT);
    }
    // Any dump would have been handed to the handler by now; give it time to run.
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  int dumps = 0;
  std::string names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::string name = e->d_name;
      unlink((dir + "/" + name).c_str());
      ++dumps;
      names += " " + name;
    }
    closedir(d);
  }
  rmdir(dir.c_str());
  EXPECT_EQ(dumps, 1) << "core dumps handed to the host's pipe handler (pids):" << names
                      << " (the one expected is the control's)";
}

}  // namespace
}  // namespace agentcoder::sandbox::testing
