// Where two episodes of the same identity first differ in what the model
// wrote or what its tools gave back, for checking that a run reproduces
// (`agentcoder trace diff`). Timings, token counts and the tools' own
// records (wall time, peak memory) are not compared: they vary by nature.
//
// Fields are compared step by step in the order they happened: prefill,
// model_text, reply_kind, then each call's tool_call (name and arguments),
// tool_status (executed, ok, error class) and tool_result (the text fed
// back); then the number of steps, the stop reason and the final answer. A
// difference in a tool_result with identical model text before it points
// at the environment (time, randomness), not at the model.
#pragma once

#include <optional>
#include <string>

#include "store/episode_record.h"

namespace agentcoder::store {

struct EpisodeDifference {
  int step = -1;       // step index, or -1 for the episode as a whole
  int call = -1;       // tool call index within the step, or -1
  std::string field;   // one of the names above, or "steps", "stop_reason", "final_answer"
  size_t offset = 0;   // first differing byte of the field (for counts: of "3 steps" and the like)
  std::string a, b;    // each side's field around that byte, escaped for one line
};

std::optional<EpisodeDifference> first_difference(const EpisodeRecord& a, const EpisodeRecord& b);

// "step 2 call 0 tool_result at byte 17" and the like.
std::string describe(const EpisodeDifference& d);

}  // namespace agentcoder::store
