// The tasks of an experiment: read from the config's task file (generated
// first with the synthetic generator when the file is missing and
// data.generate_per_cell > 0), then selected.
#pragma once

#include <vector>

#include "data/task.h"
#include "experiment/run_config.h"
#include "sandbox/sandbox.h"

namespace agentcoder::experiment {

// Throws InputError when the file is missing and not to be generated. Bad
// lines are skipped with one warning on stderr naming the file.
std::vector<data::Task> load_or_generate_tasks(const RunConfig& config, sandbox::Sandbox& sandbox);

// The config's split, then at most per_cell tasks per category x difficulty,
// chosen by a hash of the seed and the task id (so the choice is stable when
// tasks are added to the file), then at most `limit` (0 = no limit); sorted
// by id.
std::vector<data::Task> select_tasks(const RunConfig& config, std::vector<data::Task> tasks, int limit = 0);

}  // namespace agentcoder::experiment
