// What an episode's trace (agent/episode.h) becomes in the results store
// (store/episode_record.h): the agent's enums as the store's names, the
// task's labels denormalised beside the outcome, and the totals over steps
// and tool calls. The one place where the two vocabularies meet.
#pragma once

#include <string>

#include "agent/episode.h"
#include "data/task.h"
#include "store/episode_record.h"

namespace agentcoder::experiment {

store::StepRecord to_record(const agent::StepTrace& step);

// `variant` is the model variant's label; `key` the episode's identity.
store::EpisodeRecord to_record(const agent::EpisodeTrace& trace, const store::EpisodeKey& key,
                               const std::string& variant, const data::Task& task);

}  // namespace agentcoder::experiment
