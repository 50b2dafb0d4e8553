#include "evaluation/hallucination.h"

#include <algorithm>

namespace agentcoder::evaluation {

bool is_hallucinated(const ScoredEpisode& episode, const CallView& call) {
  return !call.offered || episode.mode == Mode::distractor;
}

int64_t hallucinated_calls_of(const ScoredEpisode& episode) {
  return std::count_if(episode.calls.begin(), episode.calls.end(),
                       [&](const CallView& call) { return is_hallucinated(episode, call); });
}

std::optional<double> hallucination_rate_of(const EpisodeRefs& episodes) {
  if (episodes.empty()) return std::nullopt;
  double hallucinating = 0;
  for (const ScoredEpisode* e : episodes) hallucinating += hallucinated_calls_of(*e) > 0;
  return hallucinating / static_cast<double>(episodes.size());
}

}  // namespace agentcoder::evaluation
