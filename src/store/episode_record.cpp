#include "store/episode_record.h"

namespace agentcoder::store {

int EpisodeRecord::tool_call_count() const {
  int n = 0;
  for (const StepRecord& step : steps) n += static_cast<int>(step.tool_calls.size());
  return n;
}

}  // namespace agentcoder::store
