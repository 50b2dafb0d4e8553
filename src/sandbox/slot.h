// One sandbox slot: a launcher process inside its own cgroups (and, when
// warm, a zygote beside it) that runs one request at a time.
//
// The supervisor side of a run lives here: it sets the slot's cgroup limits
// for the request, hands the launcher or zygote the run's stdin socket,
// stdout and stderr pipes and a memfd with the code, then waits in poll() for
// output, the end of the run and the wall deadline. On the deadline, on an
// output cap, or if the caller's thread is the last to know, it kills the
// run's pid 1 through a pidfd, which takes the whole pid namespace down.
// Counters come from the slot cgroup as deltas.
//
// A slot that misbehaves (its zygote or launcher died, a reply never came)
// marks itself broken; the owner destroys it and makes a new one.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "sandbox/cgroups.h"
#include "sandbox/python_env.h"
#include "sandbox/sandbox.h"

namespace agentcoder::sandbox {

struct RunDone;

struct SlotSettings {
  const CgroupPlan* cgroups = nullptr;
  const PythonInfo* python = nullptr;
  bool warm = false;
  bool privileged = false;  // the supervisor is root
  uid_t host_uid = 0;
  gid_t host_gid = 0;
  std::vector<std::string> missing;  // copied into every result
  std::vector<std::string> preload;  // modules the zygote imports (ExecRequest::preload)
  std::string preload_code;          // and the code it runs then (ExecRequest::preload_code)
};

class Slot {
 public:
  // Starts the launcher (and zygote). Throws SandboxUnavailable if they
  // cannot be set up, with the launcher's one-line reason.
  Slot(const SlotSettings& settings, const std::string& name);
  ~Slot();
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

  ExecResult run(const ExecRequest& request);
  bool broken() const { return broken_; }
  SlotInfo info() const;

 private:
  void wait_ready(int sock, const char* who);
  // Sets the cgroup limits for a run; returns the counters it starts from.
  CgroupCounters start_counting(const Limits& limits, bool warm);
  // Exit status, CPU time and peak memory of a run that ended.
  void record_end(const CgroupCounters& before, const RunDone& done, ExecResult& result) const;

  SlotSettings settings_;
  std::unique_ptr<SlotCgroup> cgroup_;
  pid_t launcher_ = -1;
  pid_t zygote_ = -1;
  int launcher_sock_ = -1;
  int cold_sock_ = -1;    // cold runs: requests out, P/D/E back
  int zygote_sock_ = -1;  // warm runs: the same, with the zygote
  int cold_pidfd_ = -1;   // the prepared runs' pid 1 ('P'), taken before their request
  int warm_pidfd_ = -1;
  bool broken_ = false;
  unsigned runs_ = 0;
};

}  // namespace agentcoder::sandbox
