// Task <-> JSON, with validation.
//
// task_to_json writes a stable key order (seed fields first) and omits empty
// optional fields. task_from_json accepts what task_to_json writes, plus the
// seed's records (tool aliases; `check` inferred when absent; no `id`, which
// is then derived from the content), and appends one Issue per bad field; it
// returns nullopt when any was found. Fields it does not know are kept in
// Task::extra (the caller decides whether that is an error). Issues carry
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

// Whether name is a field of the task schema (what task_to_json may write).
bool is_task_field(const std::string& name);

// The id of a record that has none: "t-" and 16 hex digits of the sha256 of
// its content (keys sorted), so the same record always gets the same id.
std::string derived_id(const nlohmann::ordered_json& record);

// "unknown field" with a hint when name is close to a schema field
// ("did you mean 'rel_tol'?").
std::string unknown_field_message(const std::string& name);

// Checks a Task built in code (by the generator or an importer) with the same
// rules task_from_json applies; appends Issues.
void validate_task(const Task& task, std::vector<Issue>& issues);

}  // namespace agentcoder::data
