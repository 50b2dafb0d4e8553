// Runs untrusted, model-written Python with limits, isolated from the host.
//
// Contract: run() is thread-safe and never throws for anything the code does
// (a crash, a timeout, an OOM are all reported in ExecResult). make_sandbox()
// throws SandboxUnavailable, with one line naming what the host lacks, when
// the requested isolation cannot be enforced and weaker isolation was not
// explicitly allowed.
#pragma once

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
  uint32_t max_processes = 64;
  uint64_t tmp_bytes = 64ull << 20;        // size of the private /tmp
  uint64_t tmp_inodes = 4096;
  uint64_t max_output_bytes = 1ull << 20;  // per stream; the rest is dropped
};

struct ExecRequest {
  std::string code;        // Python source, passed through a pipe
  std::string stdin_data;  // given to the program on stdin
  Limits limits;
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
  double cpu_seconds = 0;
  uint64_t peak_memory_bytes = 0;
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
  std::string python = "/usr/bin/python3";
  bool warm = true;                     // fork each run from a pre-started interpreter
  bool allow_weaker_isolation = false;  // run even where a protection is missing
};

class Sandbox {
 public:
  virtual ~Sandbox() = default;
  virtual ExecResult run(const ExecRequest& request) = 0;
};

std::unique_ptr<Sandbox> make_sandbox(const SandboxOptions& options = {});

}  // namespace agentcoder::sandbox
