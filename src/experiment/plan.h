// The plan of an experiment: every episode its config asks for, keyed, in a
// fixed order, with what running them needs.
//
// plan() does everything before the first token: reads the task file
// (generating it first when configured) and selects the tasks, loads the
// prompt formats, resolves each model variant (re-quantizing into
// <run_dir>/models when asked) and hashes its files, builds the tools over
// one sandbox, writes the run's manifest, and keys every variant x format x
// mode x task x sample episode (store/episode_key.h), hashing each episode's rendered
// first turn (agent::first_turn(), with the model's chat template, read from
// the GGUF without its weights). `episodes` is ordered by
// variant, then format name, then mode as configured, then task id, then
// sample; the
// order and the keys depend only on the config, the files it names and the
// build. Nothing is stored: run() (runner.h) does that.
//
// A task with its own functions (BFCL) is posed with them instead of the
// config's tools (task_functions.h): its keys name those functions and hash
// the first turn that offers them.
//
// Throws InputError for what the user can fix: a missing file, an unknown
// tool or prompt format, no task selected, a task the runner cannot pose
// (task_functions.h; the message names the task file and the task).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/episode.h"
#include "agent/episode_runner.h"
#include "agent/prompt_format.h"
#include "agent/registry_toolbox.h"
#include "data/task.h"
#include "experiment/run_config.h"
#include "experiment/variant.h"
#include "models/chat_template.h"
#include "sandbox/sandbox.h"
#include "store/episode_key.h"

namespace agentcoder::experiment {

struct PlannedEpisode {
  size_t variant = 0;  // index into Plan::variants
  size_t task = 0;     // index into Plan::tasks
  std::string format;  // prompt format name (a key of Plan::formats)
  Mode mode = Mode::free;
  int sample = 0;      // 0..samples-1 (RunConfig::samples); key.sample, with seed key.seed
  store::EpisodeKey key;
};

struct PlanOptions {
  std::string results_dir = "results";  // the run lives in <results_dir>/<name>/
  int limit = 0;                        // at most this many tasks (0 = as configured)
  std::shared_ptr<sandbox::Sandbox> sandbox;  // null: a sandbox with default options
};

struct Plan {
  RunConfig config;
  std::string run_dir;       // <results_dir>/<name>
  std::string results_path;  // <run_dir>/results.sqlite
  std::vector<data::Task> tasks;
  std::vector<agent::EpisodeTask> posed;  // tasks[i] as the agent poses it (task_functions.h)
  std::map<std::string, agent::PromptFormat> formats;
  std::vector<Variant> variants;
  std::vector<PlannedEpisode> episodes;
  agent::AgentOptions agent;  // from the config; the runner's options
  nlohmann::json manifest;  // environment, llama.cpp, seeds, task file, models
  std::shared_ptr<sandbox::Sandbox> sandbox;
  std::shared_ptr<agent::RegistryToolbox> toolbox;
};

Plan plan(const RunConfig& config, const PlanOptions& options = {});

// The variant's chat template in the config's tool format; the plan's keys
// and the run's episodes both render with it.
void apply_tool_format(models::ChatTemplate& chat, const RunConfig& config);

// The agent's options from the config (steps, tokens, temperature, fenced
// code, tool instructions): what the runner runs with and what first_turn()
// renders with.
agent::AgentOptions agent_options(const RunConfig& config);

// The sampling seed of repeated sample `sample`: the config's seed for
// sample 0 (so a one-sample run keeps its keys, and raising `samples`
// resumes it), data::derive_seed(seed, "sample:<i>") truncated to 32 bits
// (the sampler's width) for the others.
uint32_t sample_seed(uint32_t seed, int sample);

// A task's identity in keys and the run's task snapshot: the SHA-256 of its
// whole JSON (prompt, answer, tests, check), so a corrected answer is a new task.
std::string task_sha256(const data::Task& task);

}  // namespace agentcoder::experiment
