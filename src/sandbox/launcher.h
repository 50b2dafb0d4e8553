// A slot's launcher: the small process that forks every sandbox of a slot.
//
// The supervisor starts it by re-executing its own binary (/proc/self/exe)
// with AGENTCODER_SANDBOX_LAUNCHER set; a constructor in launcher.cpp takes
// over before main(). It is attached to the slot's cgroups once, so every
// sandbox it clones starts inside them without a migration. It never runs
// untrusted code and holds no descriptor but its socket to the supervisor.
//
// For a cold run it clones pid 1 of fresh user, mount, pid, net, ipc, uts and
// cgroup namespaces, which becomes uid 1000 and builds the root (root_fs.h)
// ahead of time, then takes one request off the cold channel: it mounts that run's /tmp and
// /dev/shm, takes its descriptors, drops every capability, sets rlimits,
// no_new_privs and the seccomp filter, and execs the interpreter. The next
// one is prepared as soon as a run ends, so a request only pays for exec.
// With `warm`, it also starts the slot's zygote the same way, minus the
// seccomp filter, which each run loads itself.
//
// If the supervisor's socket reaches EOF (the supervisor died), the launcher
// kills what it started, leaves and removes the slot's cgroups, and exits.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace agentcoder::sandbox {

struct LauncherConfig {
  std::string python;                    // absolute path of the real interpreter
  std::vector<std::string> sys_path;     // sys.path inside the sandbox
  std::vector<std::string> extra_dirs;   // further read-only binds
  uid_t host_uid = 0;                    // what uid/gid 1000 inside map to
  gid_t host_gid = 0;
  bool privileged = false;               // launcher is root: may map any uid
  bool warm = false;                     // start a zygote on the socket sent along
  std::vector<std::string> preload;      // modules the zygote imports before it serves
  std::string preload_code;              // Python it runs after them (any bytes)
  std::vector<std::string> cgroup_dirs;  // removed by the launcher if orphaned

  std::string encode() const;
  static LauncherConfig decode(const std::string& text);
};

// Starts a launcher (launcher_executable(), sandbox.h) with `sock` as its
// fd 3. Returns its pid; throws std::runtime_error when it cannot be started.
pid_t spawn_launcher(int sock);

// The launcher's main loop (exposed for the constructor hook only).
int launcher_main(int sock);

// Name the launcher and zygote processes give themselves (comm), so leak
// checks can tell infrastructure from a run's processes.
inline constexpr const char* kLauncherComm = "ac-sbx-launcher";
inline constexpr const char* kZygoteComm = "ac-sbx-zygote";

}  // namespace agentcoder::sandbox
