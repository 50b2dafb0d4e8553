// The data card of a task file: how many tasks per category x difficulty x
// optimal tool, per split, check kind, source, trap and family, the families
// and tasks of each sub-kind per split (generated tasks), and the file's
// sha256, so a report can name exactly which data it used.
#pragma once

#include <string>
#include <vector>

#include "data/task.h"

namespace agentcoder::data {

// Plain-text card; `file_sha256` is printed as given.
std::string data_card(const std::string& file, const std::string& file_sha256, const std::vector<Task>& tasks,
                      int bad_lines);

}  // namespace agentcoder::data
