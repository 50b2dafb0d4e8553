// Merges the shards of a run (shard.h) into one results file that every
// reader (score, metrics, compare, report, trace, exports) takes like the
// file of an unsharded run.
//
// Checks first, writes nothing unless all pass: every shard 1..N of one N
// is present and complete (its shard.json exists and every key it lists is
// stored in its results.sqlite), all come from the same run name, config,
// plan and build (agentcoder commit and tree state, llama.cpp commit), no
// episode is in two shards, and together they hold the whole plan. Any
// failure is an InputError naming the shard (or file) and what is wrong.
// Hidden states ([probe] hidden_layers, store/hidden_states_file.h): every
// shard has its hidden_states.bin, with the same layers and dtype, or none
// has one.
//
// Then it writes `out` (refused if it exists) through a temporary file
// renamed at the end: the run as the first shard began it, one session per
// shard (that shard's manifest, with "merged_from"), each shard's episodes
// with steps and tool calls, the tasks as posed, any scores, and per variant
// the resources summed over the shards (tokens, episodes, wall time; the
// largest peak RSS and GPU bytes). With hidden states, also one
// hidden_states.bin beside `out` (refused if it exists), each shard's rows of
// its own episodes, referenced from the merged manifest as plan() references
// an unsharded run's.
#pragma once

#include <string>
#include <vector>

namespace agentcoder::experiment {

struct MergeSummary {
  size_t shards = 0;
  size_t episodes = 0;
  std::string out;
};

// `inputs`: one run directory (holding shards/), or the shards themselves
// (their directories or results.sqlite files). `out`: empty = the run
// directory's results.sqlite (the shards' grandparent for explicit shards).
MergeSummary merge_shards(const std::vector<std::string>& inputs, std::string out);

}  // namespace agentcoder::experiment
