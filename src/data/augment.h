// Prompt augmentation and de-duplication for the synthetic generator.
//
// A prompt may get a distractor sentence before it (context that does not
// change the answer) and an answer-format instruction after it. Families may
// bring their own distractors and formats; these generic ones are added to
// the family's distractors, and used as formats when a family has none.
// Two prompts are duplicates when their normalised forms are equal.
#pragma once

#include <string>
#include <vector>

#include "data/task.h"

namespace agentcoder::data {

const std::vector<std::string>& generic_distractors();
// Answer-format suffixes for a check kind; "" (no instruction) is one of them.
const std::vector<std::string>& default_formats(Check check);

// Lower case, every run of characters other than letters and digits turned
// into one space, trimmed.
std::string normalise_prompt(const std::string& prompt);

}  // namespace agentcoder::data
