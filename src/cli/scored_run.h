// What the analysis commands (metrics, compare, report, export-metrics) read:
// the scored episodes of one stored run, and the options they share
// (RUN [--run NAME] [--bootstrap N] [--seed S]). `results` is a results file
// or its directory; `run` picks the run when the file holds several.
// Episodes not scored yet are kept (their correctness is unknown) and
// counted in one warning line on stderr that says how to score them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "evaluation/metrics.h"
#include "evaluation/scored_episode.h"
#include "store/run_record.h"

namespace agentcoder::cli {

struct AnalysisArgs {
  std::string results;
  std::string run;
  int bootstrap = 1000;  // resamples for the confidence intervals; 0 = none
  uint64_t seed = 1;     // of the bootstrap
  double necessity_threshold = 1.0;  // --necessity-threshold (evaluation/necessity.h)
};

// RUN and --run, then --bootstrap and --seed (described as `bootstrap_help`),
// then --necessity-threshold.
void add_analysis_options(CLI::App* cmd, AnalysisArgs& args,
                          const std::string& bootstrap_help = "Bootstrap resamples for the confidence intervals (0: none)");

struct ScoredRun {
  store::StoredRun run;
  std::vector<evaluation::ScoredEpisode> episodes;
};

// Throws InputError for a negative --bootstrap, a missing file or run.
ScoredRun load_scored_run(const AnalysisArgs& args);

evaluation::MetricsOptions metrics_options(const AnalysisArgs& args, const ScoredRun& run);

}  // namespace agentcoder::cli
