#include "data/data_card.h"

#include <cstdio>
#include <map>
#include <set>

#include "data/family.h"

namespace agentcoder::data {
namespace {

std::string pad(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}
std::string lpad(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string counts_line(const std::string& title, const std::map<std::string, int>& counts) {
  std::string out = pad(title + ":", 14);
  bool first = true;
  for (const auto& [k, n] : counts) {
    out += (first ? "" : ", ") + k + " " + std::to_string(n);
    first = false;
  }
  return out + "\n";
}

// Families and tasks of each generated sub-kind per split: a sub-kind with no
// family in test is never measured by a study on the test split.
std::string coverage(const std::vector<Task>& tasks) {
  struct Cell {
    std::set<std::string> families;
    int tasks = 0;
  };
  std::map<std::string, std::map<std::string, Cell>> cells;  // "category|kind" -> split -> cell
  std::set<Category> categories;
  for (const auto& t : tasks) {
    if (t.generator.kind.empty()) continue;
    Cell& c = cells[to_string(t.category) + "|" + t.generator.kind][t.split];
    c.families.insert(t.generator.family);
    c.tasks++;
    categories.insert(t.category);
  }
  if (cells.empty()) return "";
  const char* splits[] = {"test", "dev", "train"};
  std::string out = "\nsub-kinds: families (tasks) per split\n";
  out += pad("category", 20) + pad("sub-kind", 21);
  for (const char* split : splits) out += lpad(split, 12);
  out += "\n";
  for (Category c : kCategories) {
    if (!categories.count(c)) continue;
    for (const std::string& kind : sub_kinds(c)) {
      out += pad(to_string(c), 20) + pad(kind, 21);
      auto row = cells.find(to_string(c) + "|" + kind);
      for (const char* split : splits) {
        Cell cell;
        if (row != cells.end() && row->second.count(split)) cell = row->second.at(split);
        out += lpad(std::to_string(cell.families.size()) + " (" + std::to_string(cell.tasks) + ")", 12);
      }
      out += "\n";
    }
  }
  return out;
}

}  // namespace

std::string data_card(const std::string& file, const std::string& file_sha256, const std::vector<Task>& tasks,
                      int bad_lines) {
  std::string out;
  out += "file:         " + file + "\n";
  out += "sha256:       " + file_sha256 + "\n";
  out += "tasks:        " + std::to_string(tasks.size()) +
         (bad_lines ? "  (" + std::to_string(bad_lines) + " bad lines not counted)" : "") + "\n";

  // Tool columns: the harness tools first, then any other label (BFCL functions
  // are folded into "function").
  std::vector<std::string> tools = {"python", "math", "docs", "none", "external"};
  auto column = [](const Task& t) {
    const std::string& o = t.optimal_tool;
    return is_harness_tool(o) ? o : std::string("function");
  };
  std::map<std::string, std::map<std::string, int>> cells;  // "category/difficulty" -> tool -> n
  std::set<std::string> used_tools;
  std::map<std::string, int> splits, checks, sources, traps;
  std::set<std::string> families;
  for (const auto& t : tasks) {
    std::string col = column(t);
    cells[to_string(t.category) + "|" + to_string(t.difficulty)][col]++;
    used_tools.insert(col);
    splits[t.split.empty() ? "(none)" : t.split]++;
    checks[to_string(t.check)]++;
    sources[t.source.empty() ? "(none)" : t.source]++;
    if (!t.generator.trap.empty()) traps[t.generator.trap]++;
    if (!t.generator.family.empty()) families.insert(t.generator.family);
  }
  if (used_tools.count("function")) tools.push_back("function");
  std::vector<std::string> shown;
  for (const auto& tool : tools)
    if (used_tools.count(tool)) shown.push_back(tool);

  out += '\n';
  out += pad("category", 20) + pad("difficulty", 14);
  for (const auto& tool : shown) out += lpad(tool, 10);
  out += lpad("total", 8) + "\n";
  std::map<std::string, int> column_total;
  for (Category c : kCategories) {
    for (Difficulty d : kDifficulties) {
      auto it = cells.find(to_string(c) + "|" + to_string(d));
      if (it == cells.end()) continue;
      out += pad(to_string(c), 20) + pad(to_string(d), 14);
      int total = 0;
      for (const auto& tool : shown) {
        int n = it->second.count(tool) ? it->second.at(tool) : 0;
        out += lpad(std::to_string(n), 10);
        total += n;
        column_total[tool] += n;
      }
      out += lpad(std::to_string(total), 8) + "\n";
    }
  }
  out += pad("total", 34);
  for (const auto& tool : shown) out += lpad(std::to_string(column_total[tool]), 10);
  out += lpad(std::to_string(tasks.size()), 8) + "\n\n";
  out += counts_line("splits", splits);
  out += counts_line("checks", checks);
  out += counts_line("sources", sources);
  if (!traps.empty()) out += counts_line("traps", traps);
  if (!families.empty()) out += "families:     " + std::to_string(families.size()) + "\n";
  out += coverage(tasks);
  return out;
}

}  // namespace agentcoder::data
