// The readable side of `agentcoder trace show`: a run's episodes as a table,
// and one episode's trace step by step (model text, parsed decision, tool
// calls with their arguments and results, timings). Plain text, no colour,
// so it can be piped and diffed.
#pragma once

#include <ostream>
#include <vector>

#include "store/episode_record.h"
#include "store/run_record.h"

namespace agentcoder::store {

// Episodes are listings (steps not needed), possibly a filtered subset of
// the run's; the summary line gives both counts.
void print_episode_table(std::ostream& out, const StoredRun& run, const std::vector<StoredEpisode>& episodes);

// The episode must hold its steps (ResultsStore::get_episode).
void print_episode_trace(std::ostream& out, const StoredRun& run, const StoredEpisode& episode);

}  // namespace agentcoder::store
