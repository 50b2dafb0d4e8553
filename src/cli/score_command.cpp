// agentcoder score RUN [--run NAME] [--tasks FILE] [--jobs N] [--json]:
// score every episode of a stored run against its task's ground truth
// (evaluation/scorer.h) and store the scores, replacing earlier ones, so a
// run can be re-scored without generating again.
//
// Tasks come from the run's task snapshot (written by `agentcoder run`);
// --tasks FILE supplies tasks the snapshot lacks (runs stored before there
// was one). An episode whose task is in neither is reported on one line and
// left unscored. The summary gives accuracy per (variant, prompt_format,
// mode) and the fabricated-execution claims.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "evaluation/scorer.h"
#include "store/results_path.h"
#include "store/results_store.h"
#include "utils/errors.h"

namespace agentcoder::cli {
namespace {

using json = nlohmann::ordered_json;  // the summary keeps its key order

struct ScoreArgs {
  std::string results;
  std::string run;
  std::string tasks_file;
  int jobs = std::max(1u, std::thread::hardware_concurrency());
  bool json_output = false;
  bool allow_weaker_isolation = false;
};

json nullable_rate(int num, int den) { return den == 0 ? json(nullptr) : json(static_cast<double>(num) / den); }

void print_summary(const evaluation::RunScoreSummary& t, const store::StoredRun& run, const std::string& path,
                   bool as_json) {
  if (as_json) {
    json conditions = json::array();
    for (const auto& c : t.conditions)
      conditions.push_back({{"variant", c.variant},
                            {"prompt_format", c.prompt_format},
                            {"mode", c.mode},
                            {"n", c.n},
                            {"judged", c.judged},
                            {"correct", c.correct},
                            {"accuracy", nullable_rate(c.correct, c.judged)}});
    json out = {{"results", path},
                {"run", run.record.name},
                {"scorer_version", evaluation::kScorerVersion},
                {"episodes", t.episodes},
                {"scored", t.scored},
                {"skipped_no_task", t.skipped},
                {"scorer_errors", t.scorer_errors},
                {"conditions", conditions},
                {"fabrication",
                 {{"episodes_without_execution", t.without_execution},
                  {"claims", t.claims},
                  {"rate", nullable_rate(t.claims, t.without_execution)},
                  {"checked", t.checked},
                  {"false_claims", t.false_claims}}}};
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::printf("run %s: scored %d of %d episodes (%d without a task, %d scorer errors), scorer v%s\n",
              run.record.name.c_str(), t.scored, t.episodes, t.skipped, t.scorer_errors, evaluation::kScorerVersion);
  if (!t.conditions.empty()) {
    std::printf("%-24s %-18s %-11s %6s %7s %9s\n", "variant", "prompt_format", "mode", "n", "judged", "accuracy");
    for (const auto& c : t.conditions) {
      char accuracy[32] = "-";
      if (c.judged > 0) std::snprintf(accuracy, sizeof accuracy, "%.3f", static_cast<double>(c.correct) / c.judged);
      std::printf("%-24s %-18s %-11s %6d %7d %9s\n", c.variant.c_str(), c.prompt_format.c_str(), c.mode.c_str(), c.n,
                  c.judged, accuracy);
    }
  }
  std::printf("fabrication: %d claims in %d episodes without execution; %d checked, %d false\n", t.claims,
              t.without_execution, t.checked, t.false_claims);
}

void run_score(const ScoreArgs& args) {
  if (args.jobs < 1) throw InputError("--jobs must be at least 1");
  std::string path = store::resolve_results_file(args.results);
  store::ResultsStore results(path);
  store::StoredRun run = results.pick_run(args.run);
  sandbox::SandboxOptions sandbox_options;
  sandbox_options.allow_weaker_isolation = args.allow_weaker_isolation;
  std::unique_ptr<sandbox::Sandbox> sandbox = sandbox::make_sandbox(sandbox_options);
  evaluation::RunScoreOptions options;
  options.tasks_file = args.tasks_file;
  options.jobs = args.jobs;
  evaluation::RunScoreSummary summary = evaluation::score_run(
      results, run, *sandbox, options, [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); });
  print_summary(summary, run, path, args.json_output);
}

CommandRegistrar reg("score", [](CLI::App& app) {
  auto args = std::make_shared<ScoreArgs>();
  CLI::App* cmd = app.add_subcommand("score", "Score a run's episodes against their tasks' ground truth");
  cmd->add_option("RUN", args->results, "results.sqlite, or a results/<run>/ directory")->required();
  cmd->add_option("--run", args->run, "Run name, when the file holds several");
  cmd->add_option("--tasks", args->tasks_file, "Task file (JSONL) for tasks missing from the run's snapshot");
  cmd->add_option("-j,--jobs", args->jobs, "Episodes scored at once (sandbox runs in parallel)")->capture_default_str();
  cmd->add_flag("--json", args->json_output, "Print the summary as JSON");
  cmd->add_flag("--allow-weaker-isolation", args->allow_weaker_isolation,
                "Run the checks' programs even where the sandbox lacks a protection (reported)");
  cmd->callback([args] { run_score(*args); });
});

}  // namespace
}  // namespace agentcoder::cli
