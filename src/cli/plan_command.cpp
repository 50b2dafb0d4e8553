// agentcoder plan CONFIG [--shards N] [--tokens-per-second X]
// [--tokens-per-episode T]: what a run would do, without running it: the
// episodes per variant and per shard, and an estimate of the tokens and
// hours (experiment/study_cost.h says how it is estimated).
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "experiment/plan.h"
#include "experiment/run_config.h"
#include "experiment/study_cost.h"
#include "utils/errors.h"

namespace agentcoder::cli {
namespace {

// H:MM:SS, as Slurm's --time takes it.
std::string duration(double hours) {
  long seconds = static_cast<long>(hours * 3600 + 0.5);
  char text[32];
  std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", seconds / 3600, seconds / 60 % 60, seconds % 60);
  return text;
}

struct PlanArgs {
  std::string config;
  experiment::PlanOptions plan;
  experiment::CostOptions cost;
};

void plan_command(PlanArgs& args) {
  if (args.cost.shards < 1) throw InputError("--shards: must be 1 or more");
  if (args.cost.tokens_per_second < 0) throw InputError("--tokens-per-second: must be more than 0");
  if (args.cost.tokens_per_episode < 0) throw InputError("--tokens-per-episode: must be more than 0");
  experiment::RunConfig config = experiment::load_run_config(args.config);
  experiment::Plan plan = experiment::plan(config, args.plan);
  experiment::StudyCost cost = experiment::study_cost(plan, args.cost);
  std::printf("plan '%s': %zu tasks x %zu formats x %zu modes x %zu models x %d samples = %zu episodes\n",
              config.name.c_str(), plan.tasks.size(), plan.formats.size(), config.modes.size(), plan.variants.size(),
              config.samples, plan.episodes.size());
  std::printf("tokens: %.0f generated per episode (%s); throughput: %s\n\n",
              args.cost.tokens_per_episode > 0 ? args.cost.tokens_per_episode : double(config.max_tokens),
              args.cost.tokens_per_episode > 0 ? "given" : "max_tokens, an upper bound",
              args.cost.tokens_per_second > 0 ? "given" : "scaled by model size from 102 tok/s for 94 MiB (2-core CPU)");
  std::printf("%-24s %10s %9s %14s %9s %12s\n", "variant", "model MiB", "episodes", "tokens", "tok/s", "time");
  for (const auto& v : cost.variants)
    std::printf("%-24s %10.0f %9zu %14.0f %9.1f %12s\n", v.name.c_str(), v.model_bytes / 1048576.0, v.episodes,
                v.tokens, v.tokens_per_second, duration(v.hours).c_str());
  std::printf("%-24s %10s %9zu %14.0f %9s %12s\n\n", "total (one process)", "", plan.episodes.size(), cost.tokens, "",
              duration(cost.hours).c_str());
  if (args.cost.shards > 1) {
    std::printf("%-8s %9s %14s %12s  %s\n", "shard", "episodes", "tokens", "time", "variants (episodes): one model load each");
    for (const auto& s : cost.shards) {
      std::string variants;
      for (const auto& [name, n] : s.variants) variants += (variants.empty() ? "" : ", ") + name + " (" + std::to_string(n) + ")";
      std::printf("%-8s %9zu %14.0f %12s  %s\n", (std::to_string(s.index) + "/" + std::to_string(args.cost.shards)).c_str(),
                  s.episodes, s.tokens, duration(s.hours).c_str(), variants.c_str());
    }
    std::printf("\n%zu shards at once: %s (the longest shard); %s of shard time in all\n", args.cost.shards,
                duration(cost.longest_shard_hours).c_str(), duration(cost.hours).c_str());
  }
}

CommandRegistrar reg("plan", [](CLI::App& app) {
  auto args = std::make_shared<PlanArgs>();
  CLI::App* cmd = app.add_subcommand("plan", "Episodes per variant and shard, with estimated tokens and hours");
  cmd->add_option("config", args->config, "Experiment config (TOML)")->required();
  cmd->add_option("--shards", args->cost.shards, "Show the split into this many shards")->capture_default_str();
  cmd->add_option("--tokens-per-second", args->cost.tokens_per_second,
                  "Measured generated tokens per second of one shard's engine (default: scaled by model size)");
  cmd->add_option("--tokens-per-episode", args->cost.tokens_per_episode,
                  "Generated tokens per episode (default: the config's max_tokens, an upper bound)");
  cmd->add_option("--results", args->plan.results_dir, "Directory of run results")->capture_default_str();
  cmd->add_option("--limit", args->plan.limit, "Use at most this many tasks (0 = as configured)");
  cmd->callback([args] { plan_command(*args); });
});

}  // namespace
}  // namespace agentcoder::cli
