// agentcoder run CONFIG [--resume]: plans the experiment of a config
// (experiment/plan.h) and runs it into results/<name>/results.sqlite
// (experiment/runner.h), with a progress line on stderr. The model's code
// runs in the sandbox, which fails closed where the host lacks a protection
// unless --allow-weaker-isolation (the run's manifest lists what was missing).
// With --shard I/N it runs only that part of the plan into
// results/<name>/shards/<I>-of-<N>/ (experiment/shard.h); `agentcoder merge`
// joins the parts.
#include <cstdio>
#include <optional>

#include "cli/commands.h"
#include "experiment/plan.h"
#include "experiment/progress.h"
#include "experiment/run_config.h"
#include "experiment/runner.h"
#include "experiment/shard.h"
#include "sandbox/sandbox.h"
#include "store/results_store.h"

namespace agentcoder::cli {
namespace {

struct RunArgs {
  std::string config;
  experiment::PlanOptions plan;
  experiment::RunOptions run;
  bool allow_weaker_isolation = false;
  std::string shard;  // "I/N", empty = the whole plan
};

void run_command(RunArgs& args) {
  std::optional<experiment::ShardSpec> shard;
  if (!args.shard.empty()) shard = experiment::parse_shard(args.shard);
  experiment::RunConfig config = experiment::load_run_config(args.config);
  sandbox::SandboxOptions sandbox_options;
  sandbox_options.allow_weaker_isolation = args.allow_weaker_isolation;
  args.plan.sandbox = sandbox::make_sandbox(sandbox_options);
  experiment::Plan plan = experiment::plan(config, args.plan);
  experiment::ProgressLine line(shard ? config.name + " " + args.shard : config.name);
  args.run.on_progress = [&](const experiment::Progress& p) {
    if (p.done == 0)
      std::fprintf(stderr,
                   "run '%s': %zu tasks x %zu formats x %zu modes x %zu models x %d samples = %zu episodes%s, %zu "
                   "already stored\n",
                   config.name.c_str(), plan.tasks.size(), plan.formats.size(), config.modes.size(),
                   plan.variants.size(), config.samples, plan.episodes.size(),
                   shard ? (", " + std::to_string(p.planned) + " in shard " + args.shard).c_str() : "",
                   p.already_stored);
    line.update(p);
  };
  if (shard) {
    experiment::run_shard(plan, *shard, args.run);
    line.finish();
    std::printf("results: %s/results.sqlite (complete)\n", experiment::shard_dir(plan.run_dir, *shard).c_str());
    return;
  }
  store::ResultsStore results(plan.results_path);
  experiment::run(plan, results, args.run);
  line.finish();
  std::printf("results: %s\n", plan.results_path.c_str());
}

CommandRegistrar reg("run", [](CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run an experiment (e.g. experiments/baseline.toml); results in results/<name>/");
  cmd->add_option("config", args->config, "Experiment config (TOML)")->required();
  cmd->add_flag("--resume", args->run.resume, "Continue the run of this name, skipping stored episodes");
  cmd->add_flag("--allow-config-change", args->run.allow_config_change, "With --resume: accept a changed config");
  cmd->add_option("--results", args->plan.results_dir, "Directory of run results")->capture_default_str();
  cmd->add_option("--limit", args->plan.limit, "Use at most this many tasks (0 = as configured)");
  cmd->add_option("--shard", args->shard,
                  "Run only part I of N of the episodes (1 <= I <= N) into results/<name>/shards/<I>-of-<N>/; "
                  "join the parts with `agentcoder merge`");
  cmd->add_flag("--allow-weaker-isolation", args->allow_weaker_isolation,
                "Run the model's code even where the sandbox lacks a protection (recorded in the manifest)");
  cmd->callback([args] { run_command(*args); });
});

}  // namespace
}  // namespace agentcoder::cli
