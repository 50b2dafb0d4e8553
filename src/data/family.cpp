#include "data/family.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "data/embedded.h"
#include "data/rng.h"
#include "utils/sha256.h"
#include "data/task_file.h"
#include "data/toml_json.h"
#include "utils/errors.h"
#include "utils/files.h"

namespace agentcoder::data {
namespace {

using json = nlohmann::ordered_json;

[[noreturn]] void fail(const std::string& origin, const std::string& field, const std::string& message) {
  throw InputError(origin + ": field '" + field + "': " + message);
}

std::string need_string(const json& j, const char* key, const std::string& origin) {
  if (!j.contains(key)) fail(origin, key, "missing");
  if (!j[key].is_string() || j[key].get<std::string>().empty()) fail(origin, key, "must be a non-empty string");
  return j[key].get<std::string>();
}

std::vector<std::string> strings(const json& j, const char* key, const std::string& origin) {
  std::vector<std::string> out;
  if (!j.contains(key)) return out;
  if (!j[key].is_array()) fail(origin, key, "must be a list of strings");
  for (const auto& v : j[key]) {
    if (!v.is_string()) fail(origin, key, "must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

const std::vector<std::string>& sub_kinds(Category c) {
  static const std::vector<std::string> pure = {"code_review", "explanation", "algorithm_design", "conceptual"};
  static const std::vector<std::string> exec = {"numerical", "data_transformation", "runtime_behavior"};
  static const std::vector<std::string> ambiguous = {"simple_math", "small_data", "edge_cases"};
  static const std::vector<std::string> multi = {"execute_analyze", "docs_code_test", "error_recovery"};
  switch (c) {
    case Category::pure_reasoning: return pure;
    case Category::execution_required: return exec;
    case Category::ambiguous: return ambiguous;
    case Category::multi_step: return multi;
  }
  return pure;
}

Family parse_family(const json& j, const std::string& origin) {
  static const std::set<std::string> known = {
      "id", "category", "kind", "optimal_tool", "alternative_tools", "reasoning", "check", "trap", "knobs",
      "phrasings", "formats", "distractors", "expected_tools", "abs_tol", "rel_tol", "split", "params",
      "levels", "reference"};
  for (const auto& [k, v] : j.items())
    if (!known.count(k)) fail(origin, k, "unknown field");
  Family f;
  f.origin = origin;
  f.id = need_string(j, "id", origin);
  std::string s = need_string(j, "category", origin);
  auto c = parse_category(s);
  if (!c) fail(origin, "category", "'" + s + "' is not a category");
  f.category = *c;
  f.kind = need_string(j, "kind", origin);
  const auto& kinds = sub_kinds(f.category);
  if (std::find(kinds.begin(), kinds.end(), f.kind) == kinds.end()) {
    std::string names;
    for (const auto& k : kinds) names += (names.empty() ? "" : "|") + k;
    fail(origin, "kind", "'" + f.kind + "' is not a sub-kind of " + s + " (" + names + ")");
  }
  f.optimal_tool = canonical_tool(need_string(j, "optimal_tool", origin));
  if (!is_harness_tool(f.optimal_tool)) fail(origin, "optimal_tool", "'" + f.optimal_tool + "' is not a tool");
  f.alternative_tools = strings(j, "alternative_tools", origin);
  for (auto& a : f.alternative_tools) {
    a = canonical_tool(a);
    if (!is_harness_tool(a) || a == f.optimal_tool) fail(origin, "alternative_tools", "bad tool '" + a + "'");
  }
  f.reasoning = need_string(j, "reasoning", origin);
  s = need_string(j, "check", origin);
  auto check = parse_check(s);
  if (!check || *check == Check::call_match || *check == Check::decision || *check == Check::answer_check ||
      *check == Check::abstain)
    fail(origin, "check", "'" + s + "' is not exact|numeric|unit_tests|rubric|final_state");
  f.check = *check;
  if (j.contains("trap")) {
    f.trap = need_string(j, "trap", origin);
    if (f.trap != "over_use" && f.trap != "under_use") fail(origin, "trap", "must be over_use or under_use");
  }
  f.knobs = strings(j, "knobs", origin);
  f.phrasings = strings(j, "phrasings", origin);
  if (f.phrasings.size() < 3) fail(origin, "phrasings", "at least three are required");
  f.formats = strings(j, "formats", origin);
  f.distractors = strings(j, "distractors", origin);
  f.expected_tools = strings(j, "expected_tools", origin);
  for (auto& a : f.expected_tools) a = canonical_tool(a);
  for (const char* key : {"abs_tol", "rel_tol"})
    if (j.contains(key) && (!j[key].is_number() || j[key].get<double>() < 0)) fail(origin, key, "must be a number >= 0");
  f.abs_tol = j.value("abs_tol", 0.0);
  f.rel_tol = j.value("rel_tol", 0.0);
  if (f.check == Check::numeric && f.abs_tol == 0 && f.rel_tol == 0)
    fail(origin, "abs_tol", "a numeric family needs abs_tol or rel_tol");
  if (j.contains("split")) {
    f.split = need_string(j, "split", origin);
    if (f.split != "train" && f.split != "dev" && f.split != "test") fail(origin, "split", "must be train|dev|test");
  }
  json shared = j.value("params", json::object());
  if (!shared.is_object()) fail(origin, "params", "must be a table");
  if (!j.contains("levels") || !j["levels"].is_object()) fail(origin, "levels", "a table with easy, intermediate, hard");
  for (Difficulty d : kDifficulties) {
    const std::string name = to_string(d);
    if (!j["levels"].contains(name)) fail(origin, "levels." + name, "missing");
    const json& lj = j["levels"][name];
    FamilyLevel& level = f.levels[static_cast<int>(d)];
    if (!lj.contains("meaning") || !lj["meaning"].is_string()) fail(origin, "levels." + name + ".meaning", "missing");
    level.meaning = lj["meaning"].get<std::string>();
    for (const auto& [k, v] : lj.items())
      if (k != "meaning" && k != "params")
        fail(origin, "levels." + name + "." + k, "unknown field (top-level keys go before the [levels] tables)");
    level.params = shared;
    if (lj.contains("params")) {
      if (!lj["params"].is_object()) fail(origin, "levels." + name + ".params", "must be a table");
      for (const auto& [k, v] : lj["params"].items()) level.params[k] = v;
    }
    for (const auto& knob : f.knobs)
      if (!level.params.contains(knob)) fail(origin, "knobs", "'" + knob + "' is not a parameter of level " + name);
  }
  f.reference = need_string(j, "reference", origin);
  if (f.reference.find("def solve(") == std::string::npos) fail(origin, "reference", "must define solve(p)");
  f.reference_sha256 = agentcoder::sha256_hex(f.reference);
  return f;
}

Family parse_family_toml(const std::string& text, const std::string& origin) {
  return parse_family(parse_toml(text, origin), origin);
}

namespace {

std::vector<Family> finish(std::vector<Family> families) {
  std::sort(families.begin(), families.end(), [](const Family& a, const Family& b) { return a.id < b.id; });
  for (size_t i = 1; i < families.size(); ++i)
    if (families[i].id == families[i - 1].id)
      throw InputError(families[i].origin + ": field 'id': '" + families[i].id + "' is also defined in " +
                       families[i - 1].origin);
  assign_splits(families);
  return families;
}

}  // namespace

std::vector<Family> builtin_families() {
  std::vector<Family> families;
  for (const auto& file : embedded_families())
    families.push_back(parse_family_toml(file.text, std::string("families/") + file.name));
  return finish(std::move(families));
}

std::vector<Family> load_families(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw InputError(dir + ": not a directory");
  std::vector<std::string> paths;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".toml") paths.push_back(entry.path().string());
  std::sort(paths.begin(), paths.end());
  std::vector<Family> families;
  for (const auto& p : paths) families.push_back(parse_family_toml(read_file(p), p));
  if (families.empty()) throw InputError(dir + ": no *.toml family files");
  return finish(std::move(families));
}

void assign_splits(std::vector<Family>& families) {
  for (Category c : kCategories) {
    for (const std::string& kind : sub_kinds(c)) {
      std::vector<Family*> members;
      for (auto& f : families)
        if (f.category == c && f.kind == kind && f.split.empty()) members.push_back(&f);
      std::sort(members.begin(), members.end(), [](const Family* a, const Family* b) {
        uint64_t ha = fnv1a64(a->id), hb = fnv1a64(b->id);
        return ha != hb ? ha < hb : a->id < b->id;
      });
      for (size_t i = 0; i < members.size(); ++i) members[i]->split = i == 0 ? "test" : i == 1 ? "dev" : "train";
    }
  }
}

}  // namespace agentcoder::data
