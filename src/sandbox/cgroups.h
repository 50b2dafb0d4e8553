// Per-slot cgroups that enforce a run's memory (swap included), process and
// CPU limits, on cgroup v2 where the controller is there and v1 otherwise.
//
// CgroupLayout::discover() reads /proc/self/mountinfo once and says, for each
// of memory, pids and cpu, which hierarchy can enforce it. A SlotCgroup owns
// one group per hierarchy in use, <mount>/<parent>/<name>. Processes enter it
// only once, when the slot's launcher is attached at slot creation; every
// sandbox is then forked from inside, so no run pays for a cgroup migration
// (one RCU grace period, about 12 ms, on these hosts). Counters are read as
// deltas because a slot serves many runs in sequence.
//
// Not thread-safe; a slot is used by one run at a time.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace agentcoder::sandbox {

struct CgroupLayout {
  // Mount points of the v1 hierarchies that carry each controller ("" if none).
  std::string v1_memory, v1_pids, v1_cpu, v1_cpuacct;
  std::string v2_root;  // cgroup2 mount point ("" if none)
  // Controllers the v2 root offers (from cgroup.controllers).
  bool v2_memory = false, v2_pids = false, v2_cpu = false;

  static CgroupLayout discover();
};

// Which hierarchy enforces each limit: a directory to create groups in
// (<mount>/<parent>), or "" when the host cannot enforce it.
struct CgroupPlan {
  std::string memory_dir, pids_dir, cpu_dir, cpuacct_dir;
  bool memory_v2 = false, pids_v2 = false, cpu_v2 = false, cpuacct_v2 = false;
  bool swap_accounted = false;  // v1 memsw or v2 memory.swap.max present
  // Why a controller is unusable ("" when it is used), for messages.
  std::string memory_problem, pids_problem, cpu_problem;

  // Builds the plan for `parent` (a path relative to each hierarchy's root),
  // creating <mount>/<parent> where needed and checking it is writable.
  static CgroupPlan make(const CgroupLayout& layout, const std::string& parent);
  // Removes groups named slot-<pid>-* under the plan's dirs whose pid is gone
  // (left by a supervisor that was killed before its launcher cleaned up).
  void sweep_stale() const;
};

struct CgroupCounters {
  uint64_t memory_usage = 0;  // bytes now in use
  // Of memory_usage, the page cache of files (reclaimable; charged by
  // whichever run read the file first, so it outlives that run).
  uint64_t memory_file = 0;
  uint64_t memory_peak = 0;   // bytes, since the last reset_peak()
  uint64_t oom_kills = 0;     // cumulative for the group
  uint64_t cpu_usage_ns = 0;  // cumulative for the group
  bool has_memory = false, has_cpu_usage = false;
};

class SlotCgroup {
 public:
  SlotCgroup(const CgroupPlan& plan, const std::string& name);
  ~SlotCgroup();  // removes the groups (they must be empty by then)
  SlotCgroup(const SlotCgroup&) = delete;
  SlotCgroup& operator=(const SlotCgroup&) = delete;

  // The cgroup.procs files a launcher must be written into (one per group).
  std::vector<std::string> procs_files() const;
  // The group directories, innermost parent for each (for cleanup by a launcher).
  std::vector<std::string> dirs() const { return dirs_; }

  // Sets the limits for the next run. memory_bytes is added to what the
  // helpers in the group (launcher, zygote) hold apart from file cache, so
  // the run gets the full amount and no more: cache that earlier runs
  // charged is reclaimed under the run's pressure, never added to its limit.
  // Throws std::runtime_error if the memory limit cannot be written.
  void set_limits(uint64_t memory_bytes, uint32_t processes, double cpus);
  void reset_peak();
  CgroupCounters read() const;
  // Pids currently in any of the groups.
  std::vector<pid_t> members() const;

 private:
  const CgroupPlan& plan_;
  std::string memory_, pids_, cpu_, cpuacct_;  // group dirs ("" if not used)
  std::vector<std::string> dirs_;
  // Last values written, to skip writes that change nothing.
  uint64_t memory_limit_ = 0, memory_request_ = 0;
  uint32_t processes_ = 0;
  long cpu_quota_ = 0;
  uint64_t tcp_limit_ = 0;
};

// Small file helpers shared by the sandbox; return false / "" on failure.
bool write_text_file(const std::string& path, const std::string& text);
std::string read_text_file(const std::string& path);

}  // namespace agentcoder::sandbox
