// Re-checks the ground truth of a task file by execution.
//
// A generated task is re-derived: its family must still exist with the same
// reference hash, the reference is run again in the sandbox on the stored
// parameters, and the ground-truth fields it yields must equal the stored
// ones (and any reference solution must still pass its tests). An imported
// task that carries a reference_solution and tests has them run together; an
// answer_check task has its checker run on its stored ground_truth_output.
// Other tasks are counted as skipped. Each mismatch is an Issue naming file,
// line and field.
#pragma once

#include <string>
#include <vector>

#include "data/family.h"
#include "data/issue.h"
#include "data/task.h"
#include "sandbox/sandbox.h"

namespace agentcoder::data {

struct VerifyReport {
  int checked = 0;
  int passed = 0;
  int skipped = 0;
  std::vector<Issue> problems;
};

VerifyReport verify_tasks(const std::vector<Task>& tasks, const std::vector<int>& lines, const std::string& file,
                          const std::vector<Family>& families, sandbox::Sandbox& sandbox, int jobs);

// The program that runs a task's reference solution against its tests.
std::string solution_check_program(const Task& task);
// The program that asks a task's checker whether its stored answer is valid.
std::string answer_check_program(const Task& task);

}  // namespace agentcoder::data
