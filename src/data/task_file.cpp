#include "data/task_file.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "data/task_json.h"
#include "utils/errors.h"
#include "utils/files.h"
#include "utils/json_input.h"

namespace agentcoder::data {

LoadResult load_tasks(const std::string& path, bool strict) { return parse_tasks(read_file(path), path, strict); }

LoadResult parse_tasks(const std::string& text, const std::string& path, bool strict) {
  LoadResult result;
  std::map<std::string, int> id_line;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::vector<Issue> issues;
    std::optional<Task> task;
    try {
      task = task_from_json(parse_json_input<nlohmann::ordered_json>(line, "-"), issues);
    } catch (const InputError& e) {
      // "-:1:C: why" -> "why (column C)": the file and line are the issue's own.
      const std::string what = e.what();
      const size_t column = what.find(':', 2) + 1, why = what.find(": ", column);
      issues.push_back(Issue{"", 0, "", what.substr(why + 2) + " (column " + what.substr(column, why - column) + ")"});
    }
    std::vector<Issue> unknown;
    if (task)
      for (const auto& [key, value] : task->extra.items()) unknown.push_back(Issue{"", 0, key, unknown_field_message(key)});
    if (strict && !unknown.empty()) {
      issues.insert(issues.end(), unknown.begin(), unknown.end());
      task.reset();
    }
    if (task) {
      auto [it, inserted] = id_line.emplace(task->id, number);
      if (!inserted) {
        issues.push_back(Issue{"", 0, "id", "'" + task->id + "' already used on line " + std::to_string(it->second)});
        task.reset();
      }
    }
    for (auto& issue : issues) {
      issue.file = path;
      issue.line = number;
    }
    if (!issues.empty()) {
      if (strict) throw InputError(issues.front().to_string());
      ++result.bad_lines;
      result.issues.insert(result.issues.end(), issues.begin(), issues.end());
      continue;
    }
    for (auto& w : unknown) {
      w.file = path;
      w.line = number;
      result.warnings.push_back(std::move(w));
    }
    result.tasks.push_back(std::move(*task));
    result.lines.push_back(number);
  }
  return result;
}

void write_tasks(const std::string& path, const std::vector<Task>& tasks) {
  namespace fs = std::filesystem;
  fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  write_file_atomically(path, [&](std::ostream& out) {
    for (const auto& t : tasks) out << task_to_json(t).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  });
}

}  // namespace agentcoder::data
