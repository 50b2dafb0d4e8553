#include "sandbox/host_check.h"

#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "sandbox/seccomp_policy.h"

namespace agentcoder::sandbox {
namespace {

int probe_child(void*) { return 0; }

// Creates every namespace a run needs in a child that exits at once.
std::string probe_namespaces() {
  std::vector<char> stack(64 * 1024);
  int flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS |
              CLONE_NEWCGROUP | SIGCHLD;
  pid_t pid = clone(probe_child, stack.data() + stack.size(), flags, nullptr);
  if (pid < 0) {
    std::string why = std::strerror(errno);
    if (errno == EPERM || errno == ENOSPC || errno == EUSERS)
      why += " (user namespaces disabled: see user.max_user_namespaces, kernel.unprivileged_userns_clone)";
    return why;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "" : "probe child failed";
}

}  // namespace

const HostFeature* HostReport::first_missing(bool weakenable_ok) const {
  for (const HostFeature& f : features)
    if (f.required && !f.present && !(weakenable_ok && f.weakenable)) return &f;
  return nullptr;
}

HostReport check_host(const SandboxOptions& options) {
  HostReport r;
  auto add = [&](const std::string& name, bool present, bool required, bool weakenable, const std::string& detail) {
    r.features.push_back({name, present, required, weakenable, detail});
  };

  std::string ns = probe_namespaces();
  add("user, mount, pid, net, ipc, uts, cgroup namespaces", ns.empty(), true, false,
      ns.empty() ? "created in a probe child" : ns);

  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, getpid(), 0));
  add("pidfd (Linux 5.3+)", pidfd >= 0, true, false, pidfd >= 0 ? "pidfd_open works" : std::strerror(errno));
  if (pidfd >= 0) close(pidfd);

  bool seccomp_ok = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
  std::string seccomp_detail = seccomp_ok ? "" : std::strerror(errno);
  if (seccomp_ok) {
    try {
      SeccompProgram p = build_seccomp_program();
      seccomp_detail = std::to_string(p.rules_added) + " rules, " + std::to_string(p.instructions.size()) +
                       " BPF instructions";
    } catch (const std::exception& e) {
      seccomp_ok = false;
      seccomp_detail = e.what();
    }
  }
  add("seccomp filter", seccomp_ok, true, false, seccomp_detail);

  CgroupLayout layout = CgroupLayout::discover();
  r.cgroups = CgroupPlan::make(layout, options.cgroup_parent);
  const CgroupPlan& c = r.cgroups;
  auto where = [&](const std::string& dir, bool v2) { return (v2 ? "cgroup v2 at " : "cgroup v1 at ") + dir; };
  add("memory cgroup", !c.memory_dir.empty(), true, true,
      c.memory_dir.empty() ? c.memory_problem : where(c.memory_dir, c.memory_v2));
  add("swap accounting", c.memory_dir.empty() || c.swap_accounted, true, true,
      c.swap_accounted ? "swap counted in the memory limit (or no swap on the host)"
                       : "swap is on but not accounted (boot with swapaccount=1)");
  add("pids cgroup", !c.pids_dir.empty(), true, true, c.pids_dir.empty() ? c.pids_problem : where(c.pids_dir, c.pids_v2));
  add("cpu cgroup", !c.cpu_dir.empty(), true, true, c.cpu_dir.empty() ? c.cpu_problem : where(c.cpu_dir, c.cpu_v2));
  add("cpu time accounting", !c.cpuacct_dir.empty(), false, true,
      c.cpuacct_dir.empty() ? "falls back to the rusage of the run's pid 1" : where(c.cpuacct_dir, c.cpuacct_v2));

  try {
    r.python = probe_python(options.python);
    r.python_ok = true;
    add("python interpreter", true, true, false, r.python.path + " (Python " + r.python.version + ")");
  } catch (const SandboxUnavailable& e) {
    add("python interpreter", false, true, false, e.what());
  }

  r.defaults_enforceable = r.first_missing(false) == nullptr;
  return r;
}

}  // namespace agentcoder::sandbox
