// Importers for public data sets, driven by a small field mapping (a TOML
// file; built-in ones are in src/data/mappings/ and embedded). The user guide
// with a worked example per built-in set is docs/mappings.md.
//
// A mapping says, for each Task field, where its value comes from in a source
// record. A value is either
//   a template string  "{{task_id}}", "{{test}}\ncheck({{entry_point}})"
//                      (template.h; a lone placeholder keeps the JSON type,
//                      so "{{function}}" copies a list of schemas;
//                      {{_record}} is the record's line, or its index in a
//                      JSON array, for sets without ids),
//   a constant list    ["none"] (its strings are templates too),
//   or a rule table    {from = "{{needs_tool}}", map = {true = "python", false = "none"}}
//                      (a mapped value is itself a template over the record;
//                      match = "prefix" picks the longest key that starts the value)
//                      {from = "{{solution.complexity}}", ranges = [[3, "easy"], [6, "intermediate"]],
//                       default = "hard"}      (first range whose bound >= value)
//                      {first_of = ["{{solution.solution}}", "{{solution}}"]}
//                      {from = "{{answer}}", regex = "#### *(.+)"}   (first group, first matching line)
//                      {from = "{{tools}}", parse = "json"}          (a string holding JSON)
//                      A rule applies parse, then regex, then map or ranges;
//                      `default` (rendered like any value) is used when a
//                      step finds nothing.
// Top-level keys: name, source (written to every task), description,
// [filter] field + include|exclude lists, [[require]] value (a template) +
// equals|one_of + reason (a record failing one is refused and counted under
// that reason: what the task model cannot hold, such as a conversation),
// [join] file (a template over {{input_name}}, relative to the input's
// folder) + key + as (the joined record appears under that name), [fields]
// and [knobs] (numbers kept under the task's "knobs" field). Unknown keys,
// fields and rule keys are refused when the mapping loads; without an `id`
// field the id is derived from the task's content. Each built task goes
// through task_from_json, so imports pass the same validation (a field left
// holding "{{...}}" included); a record that fails is an Issue with the
// input's file and line.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/issue.h"
#include "data/task.h"

namespace agentcoder::data {

struct Mapping {
  std::string name;
  std::string origin;  // file or "mappings/<name>.toml"
  nlohmann::ordered_json spec;
};

std::vector<std::string> builtin_mapping_names();
// A built-in name or a path to a TOML file; throws InputError.
Mapping load_mapping(const std::string& name_or_file);

struct ImportResult {
  std::vector<Task> tasks;
  std::vector<Issue> issues;
  int records = 0;   // records read
  int filtered = 0;  // left out by the mapping's filter
  std::map<std::string, int> refused;  // reason -> records failing a [[require]]
  int refused_total() const;
};

// Reads JSON Lines (or one JSON array) from input; throws InputError for a
// missing file or a bad mapping, reports bad records as Issues.
ImportResult import_file(const Mapping& mapping, const std::string& input);

}  // namespace agentcoder::data
