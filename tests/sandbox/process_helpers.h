// Running helper binaries from the tests: as root or as another user, with
// a pipe on stdout, and the delegation of a cgroup subtree to a user (what
// systemd's Delegate=yes does) so an unprivileged supervisor can use it.
#pragma once

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "leftovers.h"
#include "sandbox/cgroups.h"

namespace agentcoder::sandbox::testing {

struct Child {
  pid_t pid = -1;
  int out = -1;  // read end of the child's stdout (stderr joins it)
};

// Starts argv[0] with `env`; as `uid`/`gid` when uid != 0.
inline Child spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env, uid_t uid = 0,
                   gid_t gid = 0) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 1);
    dup2(p[1], 2);
    if (uid != 0 && (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0)) _exit(120);
    std::vector<char*> a, e;
    for (auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    for (auto& s : env) e.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    e.push_back(nullptr);
    execve(a[0], a.data(), e.data());
    _exit(121);
  }
  close(p[1]);
  return {pid, p[0]};
}

// Reads until EOF and reaps; returns the output, sets `status`.
inline std::string finish(Child c, int& status) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(c.out, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(c.out);
  waitpid(c.pid, &status, 0);
  return out;
}

// Value of the first "key=value" line.
inline std::string field(const std::string& out, const std::string& key) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);
  return "";
}

inline bool alive(pid_t pid) {
  std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return false;
  size_t close_paren = stat.rfind(')');
  return close_paren != std::string::npos && stat.size() > close_paren + 2 && stat[close_paren + 2] != 'Z';
}

// A cgroup subtree named `name` in every hierarchy the sandbox uses, owned
// by `uid`; removed (with anything left in it) on destruction.
class DelegatedCgroup {
 public:
  DelegatedCgroup(const std::string& name, uid_t uid, gid_t gid) : name_(name) {
    CgroupLayout l = CgroupLayout::discover();
    for (const std::string& mount : {l.v1_memory, l.v1_pids, l.v1_cpu, l.v1_cpuacct, l.v2_root}) {
      if (mount.empty()) continue;
      std::string dir = mount + "/" + name;
      if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) continue;
      dirs_.push_back(dir);
      if (chown(dir.c_str(), uid, gid) != 0) continue;
      for (const auto& f : std::filesystem::directory_iterator(dir))
        if (f.is_regular_file()) (void)!chown(f.path().c_str(), uid, gid);
    }
  }
  ~DelegatedCgroup() {
    for (const std::string& dir : dirs_) {
      for (const auto& f : std::filesystem::directory_iterator(dir))
        if (f.is_directory()) rmdir(f.path().c_str());
      rmdir(dir.c_str());
    }
  }
  const std::vector<std::string>& dirs() const { return dirs_; }

 private:
  std::string name_;
  std::vector<std::string> dirs_;
};

}  // namespace agentcoder::sandbox::testing
