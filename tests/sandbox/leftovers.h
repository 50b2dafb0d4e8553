// Leak checks shared by the sandbox tests and the attack suite: after a run,
// a slot's cgroups may hold only its launcher, its zygote and the prepared
// next runs (the launcher's cold one and the zygote's warm one, named
// ac-sbx-ready until a request comes, each under its init, ac-sbx-init),
// no other process may run as a slot's host uid, and the host's mount table
// must not change.
// Checks poll for up to three seconds, because a warm run's parent process
// exits just after it reports the run done.
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sandbox/sandbox.h"

namespace agentcoder::sandbox::testing {

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Mount points of the host (this process's mount namespace).
inline std::multiset<std::string> host_mounts() {
  std::multiset<std::string> points;
  std::istringstream in(slurp("/proc/self/mountinfo"));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string id, parent, dev, root, point;
    f >> id >> parent >> dev >> root >> point;
    points.insert(point);
  }
  return points;
}

inline std::string comm_of(pid_t pid) {
  std::string c = slurp("/proc/" + std::to_string(pid) + "/comm");
  if (!c.empty() && c.back() == '\n') c.pop_back();
  return c;
}

// Pids whose real uid is `uid`.
inline std::vector<pid_t> pids_of_uid(uid_t uid) {
  std::vector<pid_t> out;
  DIR* d = opendir("/proc");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    std::istringstream in(slurp(std::string("/proc/") + e->d_name + "/status"));
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("Uid:", 0) == 0) {
        if (static_cast<uid_t>(std::stoul(line.substr(4))) == uid) out.push_back(pid);
        break;
      }
  }
  closedir(d);
  return out;
}

// A host uid range of our own for the sandbox user, so that sandboxes of
// tests running at the same time in other processes (ctest -j) never share
// uids with ours and the uid leak check stays exact.
inline uid_t unique_uid_base(unsigned which) {
  return 1700000000u + static_cast<uid_t>(getpid() % 100000) * 256u + which * 64u;
}

// Slot groups of this process under the parent of `dir`.
inline std::set<std::string> our_slot_groups(const std::string& dir) {
  std::set<std::string> out;
  std::string parent = dir.substr(0, dir.rfind('/'));
  std::string prefix = "slot-" + std::to_string(getpid()) + "-";
  if (DIR* d = opendir(parent.c_str())) {
    while (dirent* e = readdir(d))
      if (std::string(e->d_name).rfind(prefix, 0) == 0) out.insert(parent + "/" + e->d_name);
    closedir(d);
  }
  return out;
}

inline pid_t parent_of(pid_t pid) {
  std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  size_t end = stat.rfind(')');  // the comm may hold spaces and parentheses
  int ppid = 0;
  if (end != std::string::npos) std::sscanf(stat.c_str() + end + 1, " %*c %d", &ppid);
  return static_cast<pid_t>(ppid);
}

// A prepared run's init (ac-sbx-init) counts only while its program is still
// waiting for a request: an init that outlives its run is a leak.
inline bool prepared_init(pid_t pid) {
  if (comm_of(pid) != "ac-sbx-init") return false;
  bool found = false;
  if (DIR* d = opendir("/proc")) {
    while (dirent* e = readdir(d)) {
      pid_t child = static_cast<pid_t>(std::atoi(e->d_name));
      if (child > 0 && parent_of(child) == pid && comm_of(child) == "ac-sbx-ready") found = true;
    }
    closedir(d);
  }
  return found;
}

inline bool helper(const SlotInfo& slot, pid_t pid) {
  return pid == slot.launcher_pid || pid == slot.zygote_pid ||
         comm_of(pid) == "ac-sbx-ready" || prepared_init(pid);
}

// Returns "" when nothing is left, else what is.
inline std::string leftovers(const Sandbox& sandbox, const std::multiset<std::string>& mounts_before,
                             bool check_uids, const std::set<std::string>& other_live = {}) {
  std::string problems;
  for (int attempt = 0; attempt < 300; ++attempt) {
    problems.clear();
    for (const SlotInfo& slot : sandbox.slots()) {
      for (const std::string& dir : slot.cgroup_dirs) {
        std::istringstream in(slurp(dir + "/cgroup.procs"));
        pid_t pid;
        while (in >> pid)
          if (!helper(slot, pid))
            problems += "pid " + std::to_string(pid) + " (" + comm_of(pid) + ") left in " + dir + "; ";
      }
      if (check_uids)
        for (pid_t pid : pids_of_uid(slot.host_uid))
          if (!helper(slot, pid))
            problems += "pid " + std::to_string(pid) + " (" + comm_of(pid) + ") runs as sandbox uid " +
                        std::to_string(slot.host_uid) + "; ";
    }
    // No cgroup of ours beyond the live slots' (slots of every sandbox of
    // this process are counted by the caller passing each sandbox in turn).
    std::set<std::string> live;
    for (const SlotInfo& slot : sandbox.slots()) live.insert(slot.cgroup_dirs.begin(), slot.cgroup_dirs.end());
    for (const std::string& dir : live)
      for (const std::string& group : our_slot_groups(dir))
        if (!live.count(group) && !other_live.count(group)) problems += "cgroup " + group + " left; ";
    if (host_mounts() != mounts_before) problems += "the host mount table changed; ";
    if (problems.empty()) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return problems;
}

}  // namespace agentcoder::sandbox::testing
