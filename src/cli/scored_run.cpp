#include "cli/scored_run.h"

#include <cstdio>

#include "store/results_path.h"
#include "store/results_store.h"
#include "utils/errors.h"

namespace agentcoder::cli {

void add_analysis_options(CLI::App* cmd, AnalysisArgs& args, const std::string& bootstrap_help) {
  cmd->add_option("RUN", args.results, "results.sqlite, or a results/<run>/ directory")->required();
  cmd->add_option("--run", args.run, "Run name, when the file holds several");
  cmd->add_option("--bootstrap", args.bootstrap, bootstrap_help)->capture_default_str();
  cmd->add_option("--seed", args.seed, "Seed of the bootstrap")->capture_default_str();
  cmd->add_option("--necessity-threshold", args.necessity_threshold,
                  "A task needs the tool unless force_text solves at least this share of its samples, in (0, 1]; "
                  "1: all of them")
      ->capture_default_str();
}

ScoredRun load_scored_run(const AnalysisArgs& args) {
  if (args.bootstrap < 0) throw InputError("--bootstrap: must be >= 0");
  if (!(args.necessity_threshold > 0 && args.necessity_threshold <= 1))
    throw InputError("--necessity-threshold: must be in (0, 1], got " + std::to_string(args.necessity_threshold));
  store::ResultsStore store(store::resolve_results_file(args.results), store::Access::read_only);
  ScoredRun out;
  out.run = store.pick_run(args.run);
  out.episodes = evaluation::load_scored_episodes(store, out.run);
  size_t unscored = 0;
  for (const evaluation::ScoredEpisode& e : out.episodes) unscored += !e.scored;
  if (unscored > 0)
    std::fprintf(stderr, "warning: %zu of %zu episodes are not scored yet; run `agentcoder score %s` first\n",
                 unscored, out.episodes.size(), args.results.c_str());
  return out;
}

evaluation::MetricsOptions metrics_options(const AnalysisArgs& args, const ScoredRun& run) {
  evaluation::MetricsOptions o;
  o.run_name = run.run.record.name;
  o.bootstrap_samples = args.bootstrap;
  o.seed = args.seed;
  o.necessity_threshold = args.necessity_threshold;
  o.variant_resources = store::variant_resources(run.run);
  return o;
}

}  // namespace agentcoder::cli
