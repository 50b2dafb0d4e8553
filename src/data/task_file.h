// JSONL task files: one Task a line; blank lines are skipped.
//
// load_tasks reads every line it can. A bad line (malformed JSON, a missing or
// wrong field, a duplicate id) becomes an Issue with file, line and field, and
// the good lines still load. With strict = true the first bad line throws an
// InputError carrying that Issue instead. A field the schema does not know
// (a misspelling such as `rel_tolerance`) is a warning, and the task loads
// with the field kept aside; under strict it makes the line bad. A missing or
// unreadable file always throws InputError.
#pragma once

#include <string>
#include <vector>

#include "data/issue.h"
#include "data/task.h"

namespace agentcoder::data {

struct LoadResult {
  std::vector<Task> tasks;
  std::vector<int> lines;      // the 1-based line of each task
  std::vector<Issue> issues;   // one or more per bad line
  std::vector<Issue> warnings; // unknown fields of lines that loaded
  int bad_lines = 0;
};

LoadResult load_tasks(const std::string& path, bool strict = false);
// The same on text already read; `path` only names it in issues.
LoadResult parse_tasks(const std::string& text, const std::string& path, bool strict = false);

// Writes tasks as JSONL (stable key order). Writes to a temporary file and
// renames it, so a failure leaves no half-written file. Throws on I/O errors.
void write_tasks(const std::string& path, const std::vector<Task>& tasks);

}  // namespace agentcoder::data
