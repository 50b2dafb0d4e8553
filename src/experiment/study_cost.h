// What a plan (plan.h) will cost, on paper: episodes per variant and per
// shard (shard.h), generated tokens and decoding hours, for
// `agentcoder plan`.
//
// Tokens: each episode counts `tokens_per_episode` generated tokens (by
// default the config's max_tokens: an upper bound; a measured mean from an
// earlier run is better). Throughput: `tokens_per_second` for every
// variant when given (measured on the target hardware: the engine's tok/s
// with `parallel` sequences), else scaled from the reference measured on
// the harness's 2-core CPU VM (102 generated tok/s for the 94 MiB default
// model, 4 sequences) by model size, since decoding reads every weight per
// token. Prompt evaluation and tool time are not counted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "experiment/plan.h"
#include "experiment/shard.h"

namespace agentcoder::experiment {

constexpr double kReferenceTokensPerSecond = 102.0;
constexpr double kReferenceModelBytes = 94.0 * 1024 * 1024;

struct CostOptions {
  size_t shards = 1;
  double tokens_per_second = 0;  // 0: scaled from the reference by model size
  double tokens_per_episode = 0;  // 0: the config's max_tokens
};

struct VariantCost {
  std::string name;
  uint64_t model_bytes = 0;
  size_t episodes = 0;
  double tokens = 0;
  double tokens_per_second = 0;
  double hours = 0;
};

struct ShardCost {
  size_t index = 0;
  size_t episodes = 0;
  std::vector<std::pair<std::string, size_t>> variants;  // name, episodes: one model load each
  double tokens = 0;
  double hours = 0;
};

struct StudyCost {
  std::vector<VariantCost> variants;
  std::vector<ShardCost> shards;
  double tokens = 0;
  double hours = 0;           // one process running everything
  double longest_shard_hours = 0;  // the array's wall time with every shard running at once
};

StudyCost study_cost(const Plan& plan, const CostOptions& options);

}  // namespace agentcoder::experiment
