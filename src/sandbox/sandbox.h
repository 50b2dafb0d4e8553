// Runs untrusted, model-written Python with limits, isolated from the host.
//
// Each run gets fresh user, mount, pid, net, ipc, uts and cgroup namespaces,
// a read-only root with only what the interpreter needs, a private /tmp with
// size and inode caps, its own /proc and loopback, no capabilities, uid 1000
// (an unprivileged host uid), a seccomp allow-list, rlimits, and a slot
// cgroup for memory (swap included), processes and CPU. A wall-clock deadline
// kills the run's whole pid namespace. Details: native_sandbox.h, README.md.
//
// The program runs as pid 2 of its pid namespace, under a small init (pid 1)
// that reaps orphans and reports the program's own wait status; its exit
// takes every process it started with it. So it dies of the signals it
// sends itself as under plain Python (os.abort() is SIGABRT).
//
// Contract: run() is thread-safe and never throws for anything the code does
// (a crash, a timeout, an OOM are all reported in ExecResult); it throws
// InputError for limits out of range and std::runtime_error if the sandbox
// machinery itself fails. make_sandbox() throws SandboxUnavailable, with one
// line naming what the host lacks, when the requested isolation cannot be
// enforced and weaker isolation was not explicitly allowed.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace agentcoder::sandbox {

// Defaults are the seed project's Docker settings.
struct Limits {
  double wall_seconds = 5.0;
  uint64_t memory_bytes = 256ull << 20;   // swap included
  double cpus = 0.5;                       // CPU quota, in cores
  uint32_t max_processes = 64;             // processes and threads of the run
  uint64_t tmp_bytes = 64ull << 20;        // size of the private /tmp (and /dev/shm)
  uint64_t tmp_inodes = 4096;
  uint64_t max_output_bytes = 1ull << 20;  // per stream; a run that writes more is killed
  uint32_t max_open_files = 256;           // RLIMIT_NOFILE
};

struct ExecRequest {
  std::string code;        // Python source, passed through a memfd
  std::string stdin_data;  // given to the program on stdin
  Limits limits;
  bool force_cold = false;  // start a fresh interpreter even when the sandbox is warm
  // Modules a warm run finds already imported: its slot's zygote imported
  // them (trusted code, before any run) and each run is a copy of it, so
  // `import sympy` costs nothing. Slots are kept per preload list; cold
  // runs ignore it. A module that fails to import is simply not preloaded.
  std::vector<std::string> preload;
  // Trusted Python the zygote runs once after those imports, to load what
  // the imports leave for first use (lazy submodules, caches); its output
  // goes nowhere and its errors are ignored. Part of the slot's kind, as
  // `preload` is. It may call `precompile(source_bytes)`, which compiles a
  // program as a run compiles its code and returns it; a warm run whose
  // code is exactly those bytes takes that code object instead of
  // compiling (the math tool's program: a few ms a call). It may call
  // `rehearse(f)`: each prepared run calls f() before its request and
  // outside its counters, so the zygote's pages a typical program writes
  // are copied before the request, not after it.
  std::string preload_code;
};

struct ExecResult {
  std::string stdout_data;
  std::string stderr_data;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the terminating signal, 0 if none
  bool timed_out = false;
  bool oom_killed = false;
  double wall_seconds = 0;
  double cpu_seconds = 0;  // of the slot's cgroup over the run (may include a few ms
                           // of the slot preparing its next run)
  uint64_t peak_memory_bytes = 0;
  bool warm = false;  // which path ran it
  // Protections that were not in force for this run (only with
  // allow_weaker_isolation); empty for a fully isolated run.
  std::vector<std::string> missing_protections;

  bool succeeded() const { return exit_code == 0 && !timed_out && !oom_killed; }
};

class SandboxUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SandboxOptions {
  std::string python = "/usr/bin/python3";  // an absolute path to a real interpreter, not a shim
  bool warm = true;                         // fork each run from a pre-started interpreter
  bool allow_weaker_isolation = false;      // run even where a protection is missing
  // Where slot cgroups are made, relative to each cgroup hierarchy's root.
  // Root creates it; an ordinary user needs it delegated (owned by them).
  std::string cgroup_parent = "agentcoder";
  unsigned max_concurrent_runs = 0;  // slots; 0 means twice the CPU count
  // As root, the host uid (and gid) the sandbox user maps to is this plus
  // the slot number; an ordinary user's sandboxes map to the user itself.
  // 0: a range of 256 of this supervisor's own, 1600000000 + 256 x (pid mod
  // 2^22), so separate agentcoder processes share no uid and so no per-user
  // kernel limit (inotify instances, RLIMIT_NPROC, ...); slots are then at most 256.
  uid_t host_uid_base = 0;
};

// The helper processes and cgroups of one slot, for leak checks and reports.
struct SlotInfo {
  std::vector<std::string> cgroup_dirs;
  pid_t launcher_pid = -1;
  pid_t zygote_pid = -1;  // -1 when cold
  uid_t host_uid = 0;
};

class Sandbox {
 public:
  virtual ~Sandbox() = default;
  virtual ExecResult run(const ExecRequest& request) = 0;
  // Protections this sandbox cannot enforce (empty unless weaker isolation was allowed).
  virtual std::vector<std::string> missing_protections() const = 0;
  virtual std::vector<SlotInfo> slots() const = 0;
};

std::unique_ptr<Sandbox> make_sandbox(const SandboxOptions& options = {});

// The binary every slot's launcher runs (launcher.h): by default this
// process's own (/proc/self/exe), which links this library. A process whose
// binary does not (the Python module: /proc/self/exe is python) names one
// that does, once, before its first sandbox: python/ installs
// agentcoder-sandbox-launcher beside its module. Not thread-safe.
void set_launcher_executable(const std::string& path);
const std::string& launcher_executable();

}  // namespace agentcoder::sandbox
