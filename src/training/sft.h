// SFT rows in TRL's conversational format with tools, one per chosen
// episode:
//   {"messages": [system, user, continuation...], "tools": [...offered],
//    <plain columns (columns.h)>}
// messages as conversation.h describes; tools as offered to the episode
// (none under force_text).
//
// Selections (--select), each then narrowed by --where:
//   correct      scored correct (the default);
//   best_choice  the first decision matched the empirical best choice of
//                its variant, format and task (training_set.h): a call when
//                only force_tool was right, text when only force_text was,
//                either when both were; never when neither was or the
//                forced modes are missing;
//   label        the first decision is the label's choice: a call to
//                optimal_tool or one of alternative_tools, or text where
//                either is "none" (evaluation's tool selection accuracy);
//   all          every episode.
// A call written under force_text (no tools offered, nothing ran) is no
// choice for best_choice or label.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "training/columns.h"
#include "training/training_set.h"

namespace agentcoder::training {

enum class Selection { correct, best_choice, label, all };
// Throws InputError naming the presets for any other text.
Selection parse_selection(const std::string& text);
const char* to_string(Selection selection);

bool selected(const TrainingSet& set, const TrainingEpisode& episode, Selection selection);

std::vector<nlohmann::ordered_json> sft_rows(const TrainingSet& set, Selection selection,
                                             const std::vector<ColumnFilter>& where);

}  // namespace agentcoder::training
