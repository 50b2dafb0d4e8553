// An episode as chat messages in the OpenAI / TRL shape, as the model saw
// and wrote them:
//   prompt:        {"role": "system"}, {"role": "user"} (the first turn);
//   continuation:  per step, what the model wrote and what the harness
//                  answered before the next step:
//     a call       {"role": "assistant", "content", "tool_calls": [{"type":
//                  "function", "function": {"name", "arguments": {..}}}]}
//                  then one {"role": "tool", "name", "content"} per call,
//                  with the result text the model was shown;
//                  (a fenced code block the harness took as a python call
//                  is such a call: that is how later turns showed it);
//     text         {"role": "assistant", "content"} (the text outside any
//                  call, as parsed);
//     malformed    {"role": "assistant", "content": the raw reply (with any
//                  force_tool prefill)} then {"role": "user", "content":
//                  agent::malformed_call_message(...)};
//     force_text   a reply with a call is text there (nothing is run): its
//                  raw reply as the assistant's content.
// A force_tool prefill is part of the first reply (the parsed call contains
// it), so the prompt of force_tool is that of free. The continuation ends
// with the model's last reply: what the harness answered after it was never
// seen by the model. A step whose generation failed ends it too.
// `arguments` is the call's JSON object; text that is not one (no parser
// produces it) stays a string.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "store/episode_record.h"

namespace agentcoder::training {

nlohmann::ordered_json prompt_messages(const std::string& system_prompt, const std::string& task_prompt);

nlohmann::ordered_json continuation_messages(const store::EpisodeRecord& episode);

}  // namespace agentcoder::training
