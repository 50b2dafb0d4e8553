// Runs a plan (plan.h), or part of one, into a results store.
//
// run() begins the run under its name in the store, or with resume
// continues it (store/results_store.h: a changed config is refused unless
// allowed), stores the run's tasks as posed, and runs every planned
// episode whose key is not stored yet. Episodes of one model variant run
// together on one engine, `parallel` at a time with continuous batching;
// each (format, mode)'s system prompt and tool list is evaluated once and
// shared. Each finished episode is stored at once, so a run killed at any
// moment loses at most the episodes in flight, and a resumed run ends with
// every episode exactly once.
//
// After each variant's episodes it stores what the variant used
// (store/variant_resources.h): the model's weight bytes, the process's peak
// RSS since just before the model load (VmHWM, reset per variant where the
// kernel allows), the GPU memory it took (null without a GPU), and its
// token counts and wall time. A resumed run replaces a variant's figures
// with those of the process that ran it last.
//
// Throws InputError when the run exists and resume is false, or cannot be
// resumed; what the model or a tool does never throws (it is recorded).
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "experiment/plan.h"
#include "experiment/progress.h"
#include "models/engine.h"
#include "store/results_store.h"

namespace agentcoder::experiment {

struct RunOptions {
  bool resume = false;               // continue the run of this name
  bool allow_config_change = false;  // with resume: accept a changed config
  // Indices into plan.episodes to run; nullopt = all of them.
  std::optional<std::vector<size_t>> only;
  // Called once before the first episode (done = 0) and after each stored
  // one, from the worker threads, one call at a time.
  std::function<void(const Progress&)> on_progress;
};

struct RunSummary {
  size_t planned = 0;         // episodes asked for (all, or `only`)
  size_t already_stored = 0;  // skipped: stored before this call
  size_t ran = 0;             // run and stored by this call
};

RunSummary run(const Plan& plan, store::ResultsStore& results, const RunOptions& options = {});

// The engine for one variant of `config`: `parallel` sequences, a
// context of context_per_sequence for each of them and for each shared
// prefix (every format with and without tools).
models::EngineOptions engine_options(const RunConfig& config, size_t format_count);

}  // namespace agentcoder::experiment
