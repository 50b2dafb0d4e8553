// KTO rows, unpaired: one per scored episode with a correctness,
//   {"prompt": [system, user], "completion": [...], "label": correct,
//    "tools": [...offered], <plain columns (columns.h)>}
// each under the prompt it saw (conversation.h: force_tool's is free's,
// its prefill begins the completion; force_text's offers no tools).
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "training/columns.h"
#include "training/training_set.h"

namespace agentcoder::training {

std::vector<nlohmann::ordered_json> kto_rows(const TrainingSet& set, const std::vector<ColumnFilter>& where);

}  // namespace agentcoder::training
