#include "cli/scored_run.h"

#include <cstdio>

#include "store/results_path.h"
#include "store/results_store.h"

namespace agentcoder::cli {

ScoredRun load_scored_run(const std::string& results, const std::string& run_name) {
  store::ResultsStore store(store::resolve_results_file(results), store::Access::read_only);
  ScoredRun out;
  out.run = store.pick_run(run_name);
  out.episodes = evaluation::load_scored_episodes(store, out.run);
  size_t unscored = 0;
  for (const evaluation::ScoredEpisode& e : out.episodes) unscored += !e.scored;
  if (unscored > 0)
    std::fprintf(stderr, "warning: %zu of %zu episodes are not scored yet; run `agentcoder score %s` first\n",
                 unscored, out.episodes.size(), results.c_str());
  return out;
}

}  // namespace agentcoder::cli
