// What the analysis commands (metrics, compare, report, export-metrics) read:
// the scored episodes of one stored run. `results` is a results file or its
// directory; `run_name` picks the run when the file holds several. Episodes
// not scored yet are kept (their correctness is unknown) and counted in one
// warning line on stderr that says how to score them.
#pragma once

#include <string>
#include <vector>

#include "evaluation/scored_episode.h"
#include "store/run_record.h"

namespace agentcoder::cli {

struct ScoredRun {
  store::StoredRun run;
  std::vector<evaluation::ScoredEpisode> episodes;
};

ScoredRun load_scored_run(const std::string& results, const std::string& run_name);

}  // namespace agentcoder::cli
