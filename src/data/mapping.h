// Importers for public data sets, driven by a small field mapping (a TOML
// file; built-in ones are in src/data/mappings/ and embedded).
//
// A mapping says, for each Task field, where its value comes from in a source
// record. A value is either
//   a template string  "{{task_id}}", "{{test}}\ncheck({{entry_point}})"
//                      (template.h; a lone placeholder keeps the JSON type,
//                      so "{{function}}" copies a list of schemas),
//   a constant list    ["none"],
//   or a rule table    {from = "{{needs_tool}}", map = {true = "python", false = "none"}}
//                      (a mapped string is itself a template over the record;
//                      match = "prefix" picks the longest key that starts the value)
//                      {from = "{{solution.complexity}}", ranges = [[3, "easy"], [6, "intermediate"]],
//                       default = "hard"}      (first range whose bound >= value)
//                      {first_of = ["{{solution.solution}}", "{{solution}}"]}
// Top-level keys: name, source (written to every task), description,
// [filter] field + include|exclude lists, [join] file (a template over
// {{input_name}}, relative to the input's folder) + key + as (the joined
// record appears under that name), [fields] and [knobs] (numbers kept under
// the task's "knobs" field). Each built task goes through task_from_json, so
// imports pass the same validation; a record that fails is an Issue with the
// input's file and line.
#pragma once

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
};

// Reads JSON Lines (or one JSON array) from input; throws InputError for a
// missing file or a bad mapping, reports bad records as Issues.
ImportResult import_file(const Mapping& mapping, const std::string& input);

}  // namespace agentcoder::data
