// Runs families' reference solutions in the sandbox to produce ground truth.
//
// One sandbox run evaluates a batch of parameter sets: the program is the
// family's reference followed by a fixed driver that reads the batch as JSON
// on stdin, calls solve(p) for each (its prints are captured, not mixed into
// the result), and when solve returns both "solution" and "tests" executes
// them together, so a record whose tests fail on its own reference solution
// is an error rather than a task. Batches run on `jobs` threads (the sandbox
// is thread-safe). A failed run (timeout, crash) fails every item of its
// batch with the sandbox's reason.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/family.h"
#include "sandbox/sandbox.h"

namespace agentcoder::data {

struct ReferenceOutcome {
  bool ok = false;
  nlohmann::ordered_json out;  // what solve(p) returned, when ok
  std::string error;           // why not, when !ok
};

struct ReferenceJob {
  const Family* family = nullptr;
  std::vector<nlohmann::ordered_json> params;
};

struct RunnerOptions {
  int jobs = 2;
  size_t batch_size = 25;
  sandbox::Limits limits = batch_limits();
  static sandbox::Limits batch_limits();
};

// outcomes[i][k] belongs to jobs[i].params[k].
std::vector<std::vector<ReferenceOutcome>> run_references(sandbox::Sandbox& sandbox,
                                                          const std::vector<ReferenceJob>& jobs,
                                                          const RunnerOptions& options = {});

// The program one batch runs (exposed for tests and for reproducing a run).
std::string reference_program(const Family& family);

// Runs `code` (e.g. a solution followed by its tests) once per item, on
// `jobs` threads; an item passes when the run exits 0. Returns "" for a pass
// or the reason it failed (last line of stderr, timeout, ...).
std::vector<std::string> run_checks(sandbox::Sandbox& sandbox, const std::vector<std::string>& programs, int jobs);

}  // namespace agentcoder::data
