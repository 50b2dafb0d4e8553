// The attack and fault table of the security suite: each case is a Python
// payload and the contained outcome the real sandbox must produce.
//
// Payloads that probe a single call print exactly "ok" when the call was
// refused the expected way and "LEAK: ..." otherwise; the shared prelude
// gives them raw syscalls through ctypes. Cases about resources check the
// ExecResult instead (timed_out, oom_killed, signal, truncation, CPU time).
// `first` is run before the case on the same sandbox (cross-run leaks);
// with `first_concurrent` it runs at the same time, in another sandbox slot.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sandbox/sandbox.h"

namespace agentcoder::sandbox::testing {

struct AttackCase {
  std::string id;
  std::string code;
  // Checks the result; the default expects exit 0 and stdout "ok\n".
  std::function<void(const ExecResult&)> check;
  std::function<void(Limits&)> limits;
  std::string first;
  bool first_concurrent = false;
  std::string stdin_data;
};

// Values the host side provides to payloads (substituted for {PORT}, {PID},
// {CANARY}, {FD}).
struct HostFacts {
  int listening_port = 0;    // a TCP port the test process listens on, 127.0.0.1
  int supervisor_pid = 0;
  std::string canary_path;   // a file in the host's /tmp
  int inherited_fd = -1;     // a descriptor without O_CLOEXEC, open in the supervisor
};

std::vector<AttackCase> attack_cases();
std::string render(const std::string& code, const HostFacts& facts);

}  // namespace agentcoder::sandbox::testing
