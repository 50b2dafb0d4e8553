// Shards: one plan (plan.h) cut into N parts that run as separate processes
// (e.g. a Slurm job array) and are merged back into one results file
// (shard_merge.h).
//
// shard_episodes() is deterministic: it depends only on the plan's episodes
// and variants, so every process that plans the same config with the same
// files and build gets the same parts, and every episode is in exactly one
// part. Balance: each episode costs its variant's model file size in bytes
// (decoding time grows with the weights read per token); within a variant
// the episodes are ordered by key id (a SHA-256, so formats, modes and tasks
// are mixed), the variants stay in plan order, and the sequence is cut into
// N runs of equal cumulative cost. A shard therefore loads few models (at
// most ceil(variants / N) + 1) and a variant spreads over several shards
// when there are fewer variants than shards.
//
// A shard runs into <run_dir>/shards/<I>-of-<N>/results.sqlite under the
// run's name. Its marker, shard.json beside it, is written (atomically) only
// when every episode of the shard is stored, and removed when the shard
// starts; it lists the shard's keys, the whole plan's hash and the build,
// which is what the merge checks.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/plan.h"
#include "experiment/runner.h"

namespace agentcoder::experiment {

struct ShardSpec {
  size_t index = 1;  // 1-based, as Slurm's --array=1-N gives it
  size_t count = 1;
};

// "I/N" with 1 <= I <= N; throws InputError naming `where` otherwise.
ShardSpec parse_shard(const std::string& text, const std::string& where = "--shard");

// Indices into plan.episodes of shard `spec`, in plan order.
std::vector<size_t> shard_episodes(const Plan& plan, const ShardSpec& spec);

// An episode's expected cost in shard_episodes()'s units (model bytes).
double episode_cost(const Plan& plan, size_t episode);

std::string shard_dir(const std::string& run_dir, const ShardSpec& spec);  // <run_dir>/shards/<I>-of-<N>
constexpr const char* kShardMarkerName = "shard.json";

// SHA-256 over every planned key id in plan order: equal for two plans
// exactly when they plan the same episodes.
std::string plan_sha256(const Plan& plan);

// What shard.json holds.
struct ShardMarker {
  std::string run;
  ShardSpec spec;
  std::string config_sha256;
  std::string plan_sha256;
  size_t plan_episodes = 0;        // episodes in the whole plan
  std::vector<std::string> keys;   // this shard's episode key ids, in plan order
  nlohmann::json build;            // {"agentcoder": commit, "tree_modified": bool, "llama_cpp": commit}
};

nlohmann::json to_json(const ShardMarker& m);
// Strict: throws InputError naming `file` and the key that is missing or mistyped.
ShardMarker shard_marker_from_json(const nlohmann::json& j, const std::string& file);

// Runs shard `spec` of `plan` into shard_dir()/results.sqlite (options as
// for run(); options.only is set here), then writes shard.json once every
// episode of the shard is stored. A shard that was complete before and is
// run again with resume runs nothing and writes the marker again.
RunSummary run_shard(const Plan& plan, const ShardSpec& spec, RunOptions options);

}  // namespace agentcoder::experiment
