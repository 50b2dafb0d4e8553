// agentcoder report RUN [--run NAME] -o DIR [--bootstrap N] [--seed S]:
// the run's metrics as one self-contained HTML page with PNG and SVG figures
// (evaluation/report.h). Reads only; the last line printed is the page's path.
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/scored_run.h"
#include "evaluation/metrics.h"
#include "evaluation/report.h"
#include "evaluation/scored_episode.h"
#include "store/results_path.h"
#include "store/results_store.h"
#include "utils/errors.h"

namespace agentcoder::cli {
namespace {

struct ReportArgs {
  std::string results;
  std::string run;  // --run: needed when the file holds several runs
  std::string output;
  int bootstrap = 1000;
  uint64_t seed = 1;
};

void run_report(const ReportArgs& args) {
  if (args.bootstrap < 0) throw InputError("--bootstrap: must be >= 0");
  auto [run, episodes] = load_scored_run(args.results, args.run);

  evaluation::MetricsOptions options;
  options.run_name = run.record.name;
  options.bootstrap_samples = args.bootstrap;
  options.seed = args.seed;
  evaluation::ReportInput input;
  input.metrics = evaluation::compute_metrics(episodes, options);
  input.manifest = run.record.manifest;
  input.run_name = run.record.name;
  input.config_text = run.record.config_text;
  input.created_at = run.created_at;
  evaluation::ReportOutput out = evaluation::write_report(input, args.output);
  std::fprintf(stderr, "%zu episodes, %zu figures (PNG and SVG) in %s/figures\n", episodes.size(),
               out.figures.size(), args.output.c_str());
  std::cout << out.index_html << std::endl;
}

CommandRegistrar reg("report", [](CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Write a run's report: one self-contained HTML page with PNG and SVG figures (matplotlib)");
  cmd->add_option("RUN", args->results, "results.sqlite, or a results/<run>/ directory")->required();
  cmd->add_option("--run", args->run, "Run name, when the file holds several");
  cmd->add_option("-o,--output", args->output, "Directory for index.html, metrics.json and figures/")->required();
  cmd->add_option("--bootstrap", args->bootstrap, "Bootstrap samples for the confidence intervals")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of the bootstrap")->capture_default_str();
  cmd->callback([args] { run_report(*args); });
});

}  // namespace
}  // namespace agentcoder::cli
