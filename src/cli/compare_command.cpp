// agentcoder compare RUN [--run NAME] [--by variant|prompt_format|mode]
//                        [--pair A B] [--json] [--bootstrap N] [--seed S]:
// tables of the run's conditions with bootstrap CIs, rows differing in one
// dimension; with --pair, a paired comparison of two selections (McNemar on
// shared tasks and the decision-flip matrix). Names are
// "variant/prompt_format/mode"; parts may be left out or abbreviated to a
// unique substring (evaluation/compare.h). Reads only.
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "evaluation/compare.h"
#include "evaluation/scored_episode.h"
#include "store/results_path.h"
#include "store/results_store.h"
#include "utils/errors.h"

namespace agentcoder::cli {
namespace {

struct CompareArgs {
  std::string results;
  std::string run;  // --run: needed when the file holds several runs
  std::string by = "variant";
  std::vector<std::string> pair;  // --pair A B
  bool json = false;
  int bootstrap = 1000;
  uint64_t seed = 1;
};

// The run to read: --run by name, else the file's only run.
store::StoredRun pick_run(store::ResultsStore& results, const std::string& name) {
  if (!name.empty()) {
    std::optional<store::StoredRun> run = results.find_run(name);
    if (!run) throw InputError(results.path() + ": no run '" + name + "'");
    return *run;
  }
  std::vector<store::StoredRun> runs = results.runs();
  if (runs.empty()) throw InputError(results.path() + ": holds no runs");
  if (runs.size() > 1) {
    std::string names;
    for (const store::StoredRun& r : runs) names += (names.empty() ? "" : ", ") + r.record.name;
    throw InputError(results.path() + ": holds " + std::to_string(runs.size()) + " runs (" + names +
                     "); pick one with --run");
  }
  return runs.front();
}

void run_compare(const CompareArgs& args) {
  if (args.bootstrap < 0) throw InputError("--bootstrap: must be >= 0");
  store::ResultsStore results(store::resolve_results_file(args.results), store::Access::read_only);
  store::StoredRun run = pick_run(results, args.run);
  std::vector<evaluation::ScoredEpisode> episodes = evaluation::load_scored_episodes(results, run);
  if (episodes.empty()) throw InputError(results.path() + ": run '" + run.record.name + "' has no episodes");

  if (!args.pair.empty()) {
    nlohmann::ordered_json pair = evaluation::compare_pair(episodes, args.pair[0], args.pair[1]);
    if (args.json)
      std::cout << pair.dump(2) << std::endl;
    else
      std::cout << evaluation::format_pair(pair);
    return;
  }
  evaluation::CompareOptions options;
  options.run_name = run.record.name;
  options.by = args.by;
  options.bootstrap_samples = args.bootstrap;
  options.seed = args.seed;
  nlohmann::ordered_json tables = evaluation::compare_conditions(episodes, options);
  if (args.json)
    std::cout << tables.dump(2) << std::endl;
  else
    std::cout << evaluation::format_conditions(tables);
}

CommandRegistrar reg("compare", [](CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "Compare a run's conditions: tables with bootstrap CIs, or --pair A B (McNemar, decision flips)");
  cmd->add_option("RUN", args->results, "results.sqlite, or a results/<run>/ directory")->required();
  cmd->add_option("--run", args->run, "Run name, when the file holds several");
  cmd->add_option("--by", args->by, "The dimension rows differ in: variant, prompt_format or mode")
      ->capture_default_str();
  cmd->add_option("--pair", args->pair, "Two selections to pair, as variant/prompt_format/mode (parts optional)")
      ->expected(2);
  cmd->add_flag("--json", args->json, "Print JSON instead of tables");
  cmd->add_option("--bootstrap", args->bootstrap, "Bootstrap resamples for the confidence intervals (0: none)")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of the bootstrap")->capture_default_str();
  cmd->callback([args] { run_compare(*args); });
});

}  // namespace
}  // namespace agentcoder::cli
