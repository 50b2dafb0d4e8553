#include "experiment/task_functions.h"

#include <algorithm>
#include <map>

#include "utils/errors.h"

namespace agentcoder::experiment {
namespace {

using json = nlohmann::ordered_json;

std::string json_schema_type(const std::string& type) {
  if (type == "dict") return "object";
  if (type == "float") return "number";
  if (type == "tuple") return "array";
  return type;
}

// Rewrites the `type` of every schema in `schema`, leaving values (enum,
// default, examples) alone: a parameter may well be called "type".
void to_json_schema(json& schema) {
  if (schema.is_array()) {
    for (json& item : schema) to_json_schema(item);
    return;
  }
  if (!schema.is_object()) return;
  if (auto it = schema.find("type"); it != schema.end()) {
    if (it->is_string() && it->get<std::string>() == "any") {
      schema.erase("type");
    } else if (it->is_string()) {
      *it = json_schema_type(it->get<std::string>());
    } else if (it->is_array()) {
      for (json& t : *it)
        if (t.is_string()) t = json_schema_type(t.get<std::string>());
    }
  }
  for (auto& [key, value] : schema.items()) {
    if (key == "enum" || key == "default" || key == "examples" || key == "example" || key == "const") continue;
    if (key == "type" && !value.is_object()) continue;
    to_json_schema(value);
  }
}

std::string scorer_name(std::string name) {
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

}  // namespace

agent::EpisodeTask posed_task(const data::Task& task) {
  agent::EpisodeTask posed{task.id, task.prompt, {}};
  auto refuse = [&](const std::string& why) { throw InputError("task '" + task.id + "': " + why); };
  const bool has_functions = task.functions.is_array() && !task.functions.empty();
  const bool scores_calls = task.check == data::Check::call_match || task.check == data::Check::abstain;
  if (!task.functions.is_null() && !task.functions.is_array()) refuse("functions must be a list");
  if (has_functions && !scores_calls)
    refuse("it offers functions but its check is " + data::to_string(task.check) +
           "; only call_match and abstain score calls to a task's own functions");
  if (scores_calls && !has_functions) refuse("check " + data::to_string(task.check) + " needs the functions to offer");
  if (!has_functions) return posed;

  std::map<std::string, std::string> seen;  // scorer's name -> name as given
  for (size_t i = 0; i < task.functions.size(); ++i) {
    const json& f = task.functions[i];
    const std::string where = "function " + std::to_string(i + 1);
    if (!f.is_object()) refuse(where + " is not an object");
    if (!f.contains("name") || !f["name"].is_string() || f["name"].get<std::string>().empty())
      refuse(where + " has no name");
    models::ToolSchema schema;
    schema.name = f["name"].get<std::string>();
    if (f.contains("description")) {
      if (!f["description"].is_string()) refuse("function '" + schema.name + "': description is not text");
      schema.description = f["description"].get<std::string>();
    }
    json parameters = f.contains("parameters") ? f["parameters"] : json{{"type", "object"}, {"properties", json::object()}};
    if (!parameters.is_object()) refuse("function '" + schema.name + "': parameters are not a JSON schema object");
    to_json_schema(parameters);
    schema.parameters = parameters.dump();
    auto [it, fresh] = seen.emplace(scorer_name(schema.name), schema.name);
    if (!fresh) refuse("functions '" + it->second + "' and '" + schema.name + "' have the same name");
    posed.functions.push_back(std::move(schema));
  }
  return posed;
}

}  // namespace agentcoder::experiment
