// A task's own functions (BFCL's `functions`) as the tools its episodes
// offer in place of the run's, and the check that the runner can pose it.
//
// posed_task() gives the task as the agent poses it: id, prompt and, for a
// task with functions, each function as a ToolSchema: name and description
// as given, parameters as JSON Schema. BFCL writes some types in Python's
// words, which the chat templates' call grammars refuse, so those are
// rewritten: dict -> object, float -> number, tuple -> array, any -> no type.
//
// Throws InputError "task '<id>': <why>" for a task the runner cannot pose:
// functions on a task whose check is neither call_match nor abstain (nothing
// would score the calls); call_match or abstain without functions; a function
// that is not an object with a non-empty string name and object parameters;
// two functions whose names are equal once '.' is read as '_' (the scorer
// takes them for one).
#pragma once

#include <vector>

#include "agent/episode.h"
#include "data/task.h"

namespace agentcoder::experiment {

agent::EpisodeTask posed_task(const data::Task& task);

}  // namespace agentcoder::experiment
