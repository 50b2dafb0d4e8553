// What the host offers the sandbox, for `agentcoder sandbox check` and for
// make_sandbox()'s fail-closed decision.
//
// check_host() probes instead of guessing: it creates the namespaces in a
// throw-away child, builds the seccomp program, makes (and removes) a probe
// group in each cgroup hierarchy under options.cgroup_parent, and runs the
// interpreter once. A feature marked `required` with present == false means
// the defaults cannot be enforced; weakenable ones may be waived with
// SandboxOptions::allow_weaker_isolation, the others never.
#pragma once

#include <string>
#include <vector>

#include "sandbox/cgroups.h"
#include "sandbox/python_env.h"
#include "sandbox/sandbox.h"

namespace agentcoder::sandbox {

struct HostFeature {
  std::string name;    // e.g. "memory cgroup"
  bool present = false;
  bool required = true;     // needed to enforce the defaults
  bool weakenable = false;  // may be waived with allow_weaker_isolation
  std::string detail;       // how it is provided, or why it is missing
};

struct HostReport {
  std::vector<HostFeature> features;
  bool defaults_enforceable = false;
  // Filled when the checks passed far enough to be used by make_sandbox().
  CgroupPlan cgroups;
  PythonInfo python;
  bool python_ok = false;

  // "memory cgroup: <detail>" for the first required feature missing, and
  // whether it can be waived.
  const HostFeature* first_missing(bool weakenable_ok) const;
};

HostReport check_host(const SandboxOptions& options);

}  // namespace agentcoder::sandbox
