// Hallucinated calls (README "Hallucinated calls"): a call to a tool the
// episode was not offered, and in Mode::distractor any call at all, the
// distractor included (it cannot help with any task). So in no_tools and
// force_text, which offer nothing, every call is one. A malformed attempt
// is no call (it is in first_action.malformed).
#pragma once

#include <optional>

#include "evaluation/metrics.h"

namespace agentcoder::evaluation {

bool is_hallucinated(const ScoredEpisode& episode, const CallView& call);

// Hallucinated calls of one episode.
int64_t hallucinated_calls_of(const ScoredEpisode& episode);

// Share of the episodes with at least one hallucinated call; nullopt
// without episodes. The metrics' hallucination_rate, its interval
// (hallucination_ci) from estimate_with_ci over tasks.
std::optional<double> hallucination_rate_of(const EpisodeRefs& episodes);

}  // namespace agentcoder::evaluation
