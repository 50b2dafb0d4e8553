#include "sandbox/cgroups.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <fstream>
#include <sstream>

namespace agentcoder::sandbox {

bool write_text_file(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = write(fd, text.data(), text.size());
  int saved = errno;
  close(fd);
  errno = saved;
  return n == static_cast<ssize_t>(text.size());
}

std::string read_text_file(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

namespace {

uint64_t read_u64(const std::string& path) {
  std::string s = read_text_file(path);
  return s.empty() ? 0 : std::strtoull(s.c_str(), nullptr, 10);
}

// Value of "key N" in a flat-keyed file such as memory.events or cpu.stat.
uint64_t read_key(const std::string& path, const std::string& key) {
  std::istringstream in(read_text_file(path));
  std::string k;
  uint64_t v;
  while (in >> k >> v)
    if (k == key) return v;
  return 0;
}

// Bytes of file cache on the LRU lists in a memory.stat (shmem, so a run's
// /tmp, is on the anonymous lists and not counted).
uint64_t file_cache(const std::string& stat, const std::string& active, const std::string& inactive) {
  std::istringstream in(read_text_file(stat));
  std::string k;
  uint64_t v, total = 0;
  while (in >> k >> v)
    if (k == active || k == inactive) total += v;
  return total;
}

bool exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

bool host_has_swap() {
  std::istringstream in(read_text_file("/proc/meminfo"));
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("SwapTotal:", 0) == 0) return std::strtoull(line.c_str() + 10, nullptr, 10) > 0;
  return true;  // unknown: assume the worst
}

bool mkdir_p(const std::string& path) {
  for (size_t pos = path.find('/', 1);; pos = path.find('/', pos + 1)) {
    std::string prefix = path.substr(0, pos);
    if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return false;
    if (pos == std::string::npos) return true;
  }
}

// Creates <mount>/<parent>, then proves a group can be made in it.
std::string prepare_parent(const std::string& mount, const std::string& parent, const char* controller,
                           bool v2, std::string& problem) {
  std::string dir = mount + "/" + parent;
  if (!mkdir_p(dir)) {
    if (problem.empty())
      problem = "cannot create " + dir + ": " + std::strerror(errno);
    return "";
  }
  if (v2) write_text_file(dir + "/cgroup.subtree_control", std::string("+") + controller);
  std::string probe = dir + "/probe-" + std::to_string(getpid());
  if (mkdir(probe.c_str(), 0755) != 0 && errno != EEXIST) {
    if (problem.empty())
      problem = dir + " is not writable: " + std::strerror(errno);
    return "";
  }
  bool usable = !v2 || exists(probe + "/" + controller + ".max");
  rmdir(probe.c_str());
  if (!usable) {
    if (problem.empty()) problem = std::string("controller not enabled in ") + dir;
    return "";
  }
  return dir;
}

}  // namespace

CgroupLayout CgroupLayout::discover() {
  CgroupLayout layout;
  std::istringstream in(read_text_file("/proc/self/mountinfo"));
  std::string line;
  while (std::getline(in, line)) {
    size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream pre(line.substr(0, dash)), post(line.substr(dash + 3));
    std::string id, parent, devno, root, mountpoint, fstype, source, superopts;
    pre >> id >> parent >> devno >> root >> mountpoint;
    post >> fstype >> source >> superopts;
    if (fstype == "cgroup2") {
      layout.v2_root = mountpoint;
    } else if (fstype == "cgroup") {
      std::istringstream opts(superopts);
      std::string opt;
      while (std::getline(opts, opt, ',')) {
        if (opt == "memory") layout.v1_memory = mountpoint;
        if (opt == "pids") layout.v1_pids = mountpoint;
        if (opt == "cpu") layout.v1_cpu = mountpoint;
        if (opt == "cpuacct") layout.v1_cpuacct = mountpoint;
      }
    }
  }
  if (!layout.v2_root.empty()) {
    std::istringstream ctl(read_text_file(layout.v2_root + "/cgroup.controllers"));
    std::string c;
    while (ctl >> c) {
      if (c == "memory") layout.v2_memory = true;
      if (c == "pids") layout.v2_pids = true;
      if (c == "cpu") layout.v2_cpu = true;
    }
  }
  return layout;
}

CgroupPlan CgroupPlan::make(const CgroupLayout& layout, const std::string& parent) {
  CgroupPlan plan;
  auto choose = [&](bool v2_has, const std::string& v1_mount, const char* name, std::string& dir, bool& is_v2,
                    std::string& problem) {
    if (v2_has) {
      dir = prepare_parent(layout.v2_root, parent, name, true, problem);
      is_v2 = !dir.empty();
    } else if (!v1_mount.empty()) {
      dir = prepare_parent(v1_mount, parent, name, false, problem);
    } else {
      problem = std::string("no ") + name + " controller on this host (neither cgroup v2 nor v1)";
    }
  };
  choose(layout.v2_memory, layout.v1_memory, "memory", plan.memory_dir, plan.memory_v2, plan.memory_problem);
  choose(layout.v2_pids, layout.v1_pids, "pids", plan.pids_dir, plan.pids_v2, plan.pids_problem);
  choose(layout.v2_cpu, layout.v1_cpu, "cpu", plan.cpu_dir, plan.cpu_v2, plan.cpu_problem);
  // CPU time: cpu.stat exists in every v2 group; on v1 it needs cpuacct.
  std::string ignored;
  if (plan.cpu_v2 || (layout.v1_cpuacct.empty() && !layout.v2_root.empty())) {
    plan.cpuacct_dir = prepare_parent(layout.v2_root, parent, "cgroup", false, ignored);
    plan.cpuacct_v2 = !plan.cpuacct_dir.empty();
  } else if (!layout.v1_cpuacct.empty()) {
    plan.cpuacct_dir = layout.v1_cpuacct == layout.v1_cpu && !plan.cpu_dir.empty()
                           ? plan.cpu_dir
                           : prepare_parent(layout.v1_cpuacct, parent, "cpuacct", false, ignored);
  }
  if (!plan.memory_dir.empty()) {
    if (!host_has_swap()) {
      plan.swap_accounted = true;
    } else {
      std::string probe = plan.memory_dir + "/probe-" + std::to_string(getpid());
      mkdir(probe.c_str(), 0755);
      plan.swap_accounted =
          exists(probe + (plan.memory_v2 ? "/memory.swap.max" : "/memory.memsw.limit_in_bytes"));
      rmdir(probe.c_str());
    }
  }
  return plan;
}

void CgroupPlan::sweep_stale() const {
  for (const std::string& dir : {memory_dir, pids_dir, cpu_dir, cpuacct_dir}) {
    if (dir.empty()) continue;
    DIR* d = opendir(dir.c_str());
    if (!d) continue;
    while (dirent* e = readdir(d)) {
      int pid = 0;
      if (std::sscanf(e->d_name, "slot-%d-", &pid) != 1 || pid <= 0) continue;
      if (kill(pid, 0) == 0 || errno == EPERM) continue;  // its supervisor is alive
      rmdir((dir + "/" + e->d_name).c_str());
    }
    closedir(d);
  }
}

SlotCgroup::SlotCgroup(const CgroupPlan& plan, const std::string& name) : plan_(plan) {
  auto make = [&](const std::string& parent) -> std::string {
    if (parent.empty()) return "";
    std::string dir = parent + "/" + name;
    for (const std::string& d : dirs_)
      if (d == dir) return dir;  // co-mounted controllers share one group
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
      throw std::runtime_error("cannot create cgroup " + dir + ": " + std::strerror(errno));
    dirs_.push_back(dir);
    return dir;
  };
  try {
    memory_ = make(plan.memory_dir);
    pids_ = make(plan.pids_dir);
    cpu_ = make(plan.cpu_dir);
    cpuacct_ = make(plan.cpuacct_dir);
  } catch (...) {
    for (const std::string& d : dirs_) rmdir(d.c_str());
    throw;
  }
  // Not memory.oom.group: the group also holds the launcher (and zygote),
  // which an OOM must not take down with the run.
  if (!memory_.empty() && plan.memory_v2) write_text_file(memory_ + "/memory.swap.max", "0");
}

SlotCgroup::~SlotCgroup() {
  for (const std::string& d : dirs_) rmdir(d.c_str());
}

std::vector<std::string> SlotCgroup::procs_files() const {
  std::vector<std::string> files;
  for (const std::string& d : dirs_) files.push_back(d + "/cgroup.procs");
  return files;
}

void SlotCgroup::set_limits(uint64_t memory_bytes, uint32_t processes, double cpus) {
  // Each write is a few syscalls on the path of every run: skip the ones
  // that would not change anything.
  if (!memory_.empty()) {
    CgroupCounters now = read();
    uint64_t held = now.memory_usage > now.memory_file ? now.memory_usage - now.memory_file : 0;
    uint64_t limit = held + memory_bytes;
    // What the helpers hold drifts by a few pages; a MiB of slack on top of
    // the requested amount is not worth a write per run.
    uint64_t drift = limit > memory_limit_ ? limit - memory_limit_ : memory_limit_ - limit;
    bool same = memory_bytes == memory_request_ && drift < (1u << 20);
    if (!same) {
      std::string value = std::to_string(limit);
      bool ok;
      if (plan_.memory_v2) {
        ok = write_text_file(memory_ + "/memory.max", value);
      } else if (plan_.swap_accounted && exists(memory_ + "/memory.memsw.limit_in_bytes")) {
        // memsw must stay >= the memory limit (EINVAL otherwise), so the
        // order depends on the direction: raising, memsw first; lowering, or
        // the first time (both unlimited), the limit first.
        const std::string mem = memory_ + "/memory.limit_in_bytes", memsw = memory_ + "/memory.memsw.limit_in_bytes";
        if (memory_limit_ != 0 && limit >= memory_limit_) {
          ok = write_text_file(memsw, value) && write_text_file(mem, value);
        } else {
          ok = write_text_file(mem, value) && write_text_file(memsw, value);
        }
      } else {
        ok = write_text_file(memory_ + "/memory.limit_in_bytes", value);
      }
      // A lower limit makes the kernel reclaim cache down to it first; it
      // fails (EBUSY) only if that is impossible. Never run on a stale limit.
      if (!ok) {
        memory_limit_ = 0;
        throw std::runtime_error("sandbox: cannot set the memory limit of " + memory_ + " to " + value + ": " +
                                 std::strerror(errno));
      }
      memory_limit_ = limit;
      memory_request_ = memory_bytes;
    }
    // TCP buffers are charged apart on v1 (kmem.tcp, off by default): turn the
    // accounting on and bound them by the run's memory, so loopback sockets
    // in the run's own network namespace cannot hold memory outside its limit.
    if (!plan_.memory_v2 && tcp_limit_ != memory_bytes) {
      write_text_file(memory_ + "/memory.kmem.tcp.limit_in_bytes", std::to_string(memory_bytes));
      tcp_limit_ = memory_bytes;
    }
  }
  if (!pids_.empty() && processes != processes_) {
    write_text_file(pids_ + "/pids.max", std::to_string(processes));
    processes_ = processes;
  }
  if (!cpu_.empty()) {
    constexpr long period = 100000;
    long quota = std::max(1000L, std::lround(cpus * period));
    if (quota != cpu_quota_) {
      if (plan_.cpu_v2) {
        write_text_file(cpu_ + "/cpu.max", std::to_string(quota) + " " + std::to_string(period));
      } else {
        write_text_file(cpu_ + "/cpu.cfs_period_us", std::to_string(period));
        write_text_file(cpu_ + "/cpu.cfs_quota_us", std::to_string(quota));
      }
      cpu_quota_ = quota;
    }
  }
}

void SlotCgroup::reset_peak() {
  if (memory_.empty()) return;
  if (plan_.memory_v2) {
    write_text_file(memory_ + "/memory.peak", "reset");  // Linux 6.12+; older kernels keep the lifetime peak
  } else {
    write_text_file(memory_ + "/memory.max_usage_in_bytes", "0");
  }
}

CgroupCounters SlotCgroup::read() const {
  CgroupCounters c;
  if (!memory_.empty()) {
    c.has_memory = true;
    if (plan_.memory_v2) {
      c.memory_usage = read_u64(memory_ + "/memory.current");
      c.memory_file = file_cache(memory_ + "/memory.stat", "active_file", "inactive_file");
      c.memory_peak = read_u64(memory_ + "/memory.peak");
      c.oom_kills = read_key(memory_ + "/memory.events", "oom_kill");
    } else {
      c.memory_usage = read_u64(memory_ + "/memory.usage_in_bytes");
      c.memory_file = file_cache(memory_ + "/memory.stat", "total_active_file", "total_inactive_file");
      c.memory_peak = read_u64(memory_ + "/memory.max_usage_in_bytes");
      c.oom_kills = read_key(memory_ + "/memory.oom_control", "oom_kill");
    }
  }
  if (!cpuacct_.empty()) {
    c.has_cpu_usage = true;
    c.cpu_usage_ns = plan_.cpuacct_v2 ? read_key(cpuacct_ + "/cpu.stat", "usage_usec") * 1000
                                      : read_u64(cpuacct_ + "/cpuacct.usage");
  }
  return c;
}

std::vector<pid_t> SlotCgroup::members() const {
  std::vector<pid_t> pids;
  for (const std::string& f : procs_files()) {
    std::istringstream in(read_text_file(f));
    pid_t p;
    while (in >> p) {
      bool seen = false;
      for (pid_t q : pids) seen = seen || q == p;
      if (!seen) pids.push_back(p);
    }
  }
  return pids;
}

}  // namespace agentcoder::sandbox
