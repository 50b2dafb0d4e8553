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
#include "evaluation/probe.h"
#include "evaluation/report.h"
#include "evaluation/scored_episode.h"
#include "store/hidden_states_file.h"
#include "store/results_store.h"
#include "utils/errors.h"

namespace agentcoder::cli {
namespace {

struct ReportArgs {
  AnalysisArgs run;
  std::string output;
};

void run_report(const ReportArgs& args) {
  ScoredRun scored = load_scored_run(args.run);
  const store::StoredRun& run = scored.run;
  evaluation::ReportInput input;
  input.metrics = evaluation::compute_metrics(scored.episodes, metrics_options(args.run, scored));
  input.manifest = run.record.manifest;
  input.run_name = run.record.name;
  input.config_text = run.record.config_text;
  input.created_at = run.created_at;
  // A run with hidden states: the probe's figure, when the project's Python environment can fit it.
  if (run.record.manifest.contains("hidden_states")) {
    const std::string file = store::hidden_states_path(args.run.results, run.record.manifest);
    try {
      store::HiddenStates hidden = store::read_hidden_states(file);
      auto examples = evaluation::probe_examples(scored.episodes, hidden, args.run.necessity_threshold);
      evaluation::ProbeOptions options;
      options.bootstrap = args.run.bootstrap;
      options.seed = args.run.seed;
      if (!examples.empty()) input.metrics["probe"] = evaluation::run_probe(examples, hidden.header, options);
    } catch (const InputError& e) {
      std::fprintf(stderr, "warning: no probe figure: %s\n", e.what());
    }
  }
  evaluation::ReportOutput out = evaluation::write_report(input, args.output);
  std::fprintf(stderr, "%zu episodes, %zu figures (PNG and SVG) in %s/figures\n", scored.episodes.size(),
               out.figures.size(), args.output.c_str());
  std::cout << out.index_html << std::endl;
}

CommandRegistrar reg("report", [](CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Write a run's report: one self-contained HTML page with PNG and SVG figures (matplotlib)");
  add_analysis_options(cmd, args->run);
  cmd->add_option("-o,--output", args->output, "Directory for index.html, metrics.json and figures/")->required();
  cmd->callback([args] { run_report(*args); });
});

}  // namespace
}  // namespace agentcoder::cli
