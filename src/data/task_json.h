// Task <-> JSON, with validation.
//
// task_to_json writes a stable key order (seed fields first) and omits empty
// optional fields. task_from_json accepts what task_to_json writes, plus the
// seed's records (tool aliases; `check` inferred when absent), and appends
// one Issue per bad field; it returns nullopt when any was found. Issues carry
// the field name only: the caller adds file and line.
#pragma once

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/issue.h"
#include "data/task.h"

namespace agentcoder::data {

nlohmann::ordered_json task_to_json(const Task& task);
std::optional<Task> task_from_json(const nlohmann::ordered_json& j, std::vector<Issue>& issues);

// Checks a Task built in code (by the generator or an importer) with the same
// rules task_from_json applies; appends Issues.
void validate_task(const Task& task, std::vector<Issue>& issues);

}  // namespace agentcoder::data
