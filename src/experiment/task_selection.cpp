#include "experiment/task_selection.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

#include "data/family.h"
#include "data/generator.h"
#include "data/task_file.h"
#include "utils/errors.h"
#include "utils/sha256.h"

namespace agentcoder::experiment {

namespace fs = std::filesystem;

std::vector<data::Task> load_or_generate_tasks(const RunConfig& c, sandbox::Sandbox& sandbox) {
  if (!fs::exists(c.tasks)) {
    if (c.generate_per_cell <= 0) throw InputError(c.tasks + ": no such task file (data.tasks)");
    std::fprintf(stderr, "generating %s (seed %u, %d per cell)\n", c.tasks.c_str(), c.data_seed, c.generate_per_cell);
    data::GenerateOptions o;
    o.seed = c.data_seed;
    o.per_cell = c.generate_per_cell;
    auto tasks = data::generate(data::builtin_families(), sandbox, o);
    if (fs::path(c.tasks).has_parent_path()) fs::create_directories(fs::path(c.tasks).parent_path());
    data::write_tasks(c.tasks, tasks);
  }
  data::LoadResult loaded = data::load_tasks(c.tasks);
  if (loaded.bad_lines > 0)
    std::fprintf(stderr, "%s: %d bad lines skipped (run `agentcoder data validate %s`)\n", c.tasks.c_str(),
                 loaded.bad_lines, c.tasks.c_str());
  if (!loaded.warnings.empty())
    std::fprintf(stderr, "warning: %zu unknown field(s) kept aside; first: %s\n", loaded.warnings.size(),
                 loaded.warnings.front().to_string().c_str());
  return std::move(loaded.tasks);
}

std::vector<data::Task> select_tasks(const RunConfig& c, std::vector<data::Task> tasks, int limit) {
  std::vector<data::Task> in_split;
  for (auto& t : tasks)
    if (c.split.empty() || t.split == c.split) in_split.push_back(std::move(t));
  auto rank = [&](const data::Task& t) { return sha256_hex(std::to_string(c.seed) + ":" + t.id); };
  std::stable_sort(in_split.begin(), in_split.end(),
                   [&](const data::Task& a, const data::Task& b) { return rank(a) < rank(b); });
  std::map<std::pair<int, int>, int> taken;
  std::vector<data::Task> out;
  for (auto& t : in_split) {
    int& n = taken[{static_cast<int>(t.category), static_cast<int>(t.difficulty)}];
    if (c.per_cell > 0 && n >= c.per_cell) continue;
    ++n;
    out.push_back(std::move(t));
    if (limit > 0 && static_cast<int>(out.size()) >= limit) break;
  }
  std::stable_sort(out.begin(), out.end(), [](const data::Task& a, const data::Task& b) { return a.id < b.id; });
  return out;
}

}  // namespace agentcoder::experiment
