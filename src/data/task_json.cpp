#include "data/task_json.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "data/template.h"
#include "utils/regex.h"
#include "utils/sha256.h"
#include "utils/text.h"

namespace agentcoder::data {
namespace {

using json = nlohmann::ordered_json;

// Fields task_to_json writes; anything else is kept in Task::extra.
const std::set<std::string> kKnownFields = {
    "id", "prompt", "optimal_tool", "reasoning", "difficulty", "category", "ground_truth_output",
    "alternative_tools", "check", "answer", "abs_tol", "rel_tol", "tests", "test_setup", "entry_point",
    "rubric", "expected_tools", "functions", "expected_calls", "reference_solution", "checker", "source",
    "source_id", "split", "knobs", "generator"};

// A pattern quoted in a message: a refused one may be megabytes long.
std::string clip(const std::string& text) { return text.size() <= 80 ? text : text.substr(0, 77) + "..."; }

void add(std::vector<Issue>& issues, const std::string& field, const std::string& message) {
  issues.push_back(Issue{"", 0, field, message});
}

// Reads a string field; reports a wrong type. Missing is fine unless required.
bool get_string(const json& j, const char* key, std::string& out, std::vector<Issue>& issues,
                bool required) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) add(issues, key, "missing");
    return false;
  }
  if (!it->is_string()) {
    add(issues, key, std::string("must be a string, not ") + it->type_name());
    return false;
  }
  out = it->get<std::string>();
  return true;
}

void get_string_list(const json& j, const char* key, std::vector<std::string>& out,
                     std::vector<Issue>& issues) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if (!it->is_array()) {
    add(issues, key, "must be a list of strings");
    return;
  }
  for (const auto& v : *it) {
    if (!v.is_string()) {
      add(issues, key, "must be a list of strings");
      return;
    }
    out.push_back(v.get<std::string>());
  }
}

bool get_number(const json& j, const char* key, double& out, std::vector<Issue>& issues) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return false;
  if (!it->is_number()) {
    add(issues, key, std::string("must be a number, not ") + it->type_name());
    return false;
  }
  out = it->get<double>();
  return true;
}

std::set<std::string> function_names(const json& functions) {
  std::set<std::string> names;
  if (!functions.is_array()) return names;
  for (const auto& f : functions)
    if (f.is_object() && f.contains("name") && f["name"].is_string()) names.insert(f["name"].get<std::string>());
  return names;
}

// The first string inside v (any depth) that holds a placeholder, with that placeholder.
std::string placeholder_in(const json& v) {
  if (v.is_string()) return find_placeholder(v.get<std::string>());
  if (v.is_array() || v.is_object())
    for (const auto& x : v) {
      std::string p = placeholder_in(x);
      if (!p.empty()) return p;
    }
  return "";
}

// A template or mapping that failed to render leaves "{{path}}" behind (a
// mapping default copied literally once made hundreds of prompts read
// "{{question.0.0.content}}"). Text fields never hold one legitimately. Code
// fields may ("'{{x}}'" is a Python string, f"{{{v}}}" a format escape), so
// there only a field that is nothing but a placeholder is refused.
void check_placeholders(const Task& t, std::vector<Issue>& issues) {
  auto refuse = [&](const std::string& field, const std::string& placeholder) {
    add(issues, field, "holds the unrendered placeholder " + placeholder);
  };
  const std::pair<const char*, const std::string*> text[] = {
      {"id", &t.id}, {"prompt", &t.prompt}, {"reasoning", &t.reasoning},
      {"ground_truth_output", &t.ground_truth_output}, {"optimal_tool", &t.optimal_tool},
      {"entry_point", &t.entry_point}, {"source", &t.source}, {"source_id", &t.source_id}};
  for (const auto& [field, value] : text)
    if (std::string p = find_placeholder(*value); !p.empty()) refuse(field, p);
  const std::pair<const char*, const std::vector<std::string>*> lists[] = {
      {"alternative_tools", &t.alternative_tools}, {"expected_tools", &t.expected_tools}};
  for (const auto& [field, values] : lists)
    for (const auto& v : *values)
      if (std::string p = find_placeholder(v); !p.empty()) refuse(field, p);
  for (size_t i = 0; i < t.rubric.size(); ++i) {
    std::string p = find_placeholder(t.rubric[i].point);
    for (const auto& re : t.rubric[i].any_of)
      if (p.empty()) p = find_placeholder(re);
    if (!p.empty()) refuse("rubric[" + std::to_string(i) + "]", p);
  }
  if (std::string p = placeholder_in(t.functions); !p.empty()) refuse("functions", p);
  if (std::string p = placeholder_in(t.expected_calls); !p.empty()) refuse("expected_calls", p);
  const std::pair<const char*, const std::string*> code[] = {
      {"tests", &t.tests}, {"test_setup", &t.test_setup}, {"reference_solution", &t.reference_solution},
      {"checker", &t.checker}};
  for (const auto& [field, value] : code) {
    std::string whole = trim(*value);
    if (!whole.empty() && find_placeholder(whole) == whole) refuse(field, whole);
  }
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

bool is_task_field(const std::string& name) { return kKnownFields.count(name) > 0; }

std::string derived_id(const json& record) {
  nlohmann::json sorted = nlohmann::json::parse(record.dump());  // nlohmann::json keeps keys sorted
  sorted.erase("id");
  return "t-" + sha256_hex(sorted.dump()).substr(0, 16);
}

std::string unknown_field_message(const std::string& name) {
  std::string best;
  size_t best_distance = 3;  // at most 2 edits, or a prefix either way
  for (const auto& known : kKnownFields) {
    bool prefix = std::min(known.size(), name.size()) >= 3 &&
                  (known.rfind(name, 0) == 0 || name.rfind(known, 0) == 0);
    size_t d = prefix ? 0 : edit_distance(name, known);
    if (d < best_distance) {
      best_distance = d;
      best = known;
    }
  }
  return best.empty() ? "unknown field" : "unknown field (did you mean '" + best + "'?)";
}

json task_to_json(const Task& t) {
  json j;
  j["id"] = t.id;
  j["prompt"] = t.prompt;
  j["category"] = to_string(t.category);
  j["difficulty"] = to_string(t.difficulty);
  j["optimal_tool"] = t.optimal_tool;
  j["alternative_tools"] = t.alternative_tools;
  j["reasoning"] = t.reasoning;
  j["check"] = to_string(t.check);
  j["ground_truth_output"] = t.ground_truth_output;
  if (t.answer) {
    j["answer"] = *t.answer;
    j["abs_tol"] = t.abs_tol;
    j["rel_tol"] = t.rel_tol;
  }
  if (!t.tests.empty()) j["tests"] = t.tests;
  if (!t.test_setup.empty()) j["test_setup"] = t.test_setup;
  if (!t.entry_point.empty()) j["entry_point"] = t.entry_point;
  if (!t.rubric.empty()) {
    json r = json::array();
    for (const auto& p : t.rubric) r.push_back(json{{"point", p.point}, {"any_of", p.any_of}});
    j["rubric"] = r;
  }
  if (!t.expected_tools.empty()) j["expected_tools"] = t.expected_tools;
  if (!t.functions.is_null()) j["functions"] = t.functions;
  if (!t.expected_calls.is_null()) j["expected_calls"] = t.expected_calls;
  if (!t.reference_solution.empty()) j["reference_solution"] = t.reference_solution;
  if (!t.checker.empty()) j["checker"] = t.checker;
  j["source"] = t.source;
  if (!t.source_id.empty()) j["source_id"] = t.source_id;
  if (!t.split.empty()) j["split"] = t.split;
  if (!t.knobs.empty()) j["knobs"] = t.knobs;
  if (!t.generator.family.empty()) {
    const GeneratorInfo& g = t.generator;
    json gj;
    gj["family"] = g.family;
    if (!g.kind.empty()) gj["kind"] = g.kind;
    gj["phrasing"] = g.phrasing;
    gj["augmentations"] = g.augmentations;
    if (!g.trap.empty()) gj["trap"] = g.trap;
    gj["knobs"] = g.knobs;
    gj["params"] = g.params;
    gj["reference_sha256"] = g.reference_sha256;
    j["generator"] = gj;
  }
  for (const auto& [k, v] : t.extra.items()) j[k] = v;
  return j;
}

std::optional<Task> task_from_json(const json& j, std::vector<Issue>& issues) {
  if (!j.is_object()) {
    add(issues, "", std::string("a task must be a JSON object, not ") + j.type_name());
    return std::nullopt;
  }
  const size_t before = issues.size();
  Task t;
  if (!j.contains("id") || j["id"].is_null()) t.id = derived_id(j);
  else get_string(j, "id", t.id, issues, true);
  get_string(j, "prompt", t.prompt, issues, true);
  std::string s;
  if (get_string(j, "category", s, issues, true)) {
    if (auto c = parse_category(s)) t.category = *c;
    else add(issues, "category", "'" + s + "' is not pure_reasoning|execution_required|ambiguous|multi_step");
  }
  if (get_string(j, "difficulty", s, issues, true)) {
    if (auto d = parse_difficulty(s)) t.difficulty = *d;
    else add(issues, "difficulty", "'" + s + "' is not easy|intermediate|hard");
  }
  if (get_string(j, "optimal_tool", s, issues, true)) t.optimal_tool = canonical_tool(s);
  get_string_list(j, "alternative_tools", t.alternative_tools, issues);
  for (auto& a : t.alternative_tools) a = canonical_tool(a);
  get_string(j, "reasoning", t.reasoning, issues, false);
  get_string(j, "ground_truth_output", t.ground_truth_output, issues, false);
  double x = 0;
  if (get_number(j, "answer", x, issues)) t.answer = x;
  if (get_number(j, "abs_tol", x, issues)) t.abs_tol = x;
  if (get_number(j, "rel_tol", x, issues)) t.rel_tol = x;
  get_string(j, "tests", t.tests, issues, false);
  get_string(j, "test_setup", t.test_setup, issues, false);
  get_string(j, "entry_point", t.entry_point, issues, false);
  if (auto it = j.find("rubric"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) {
      add(issues, "rubric", "must be a list of {point, any_of}");
    } else {
      for (size_t i = 0; i < it->size(); ++i) {
        const json& p = (*it)[i];
        std::string field = "rubric[" + std::to_string(i) + "]";
        if (!p.is_object() || !p.contains("any_of") || !p["any_of"].is_array()) {
          add(issues, field, "must be an object with 'point' and a list 'any_of'");
          continue;
        }
        RubricPoint rp;
        if (p.contains("point") && p["point"].is_string()) rp.point = p["point"].get<std::string>();
        for (const auto& a : p["any_of"])
          if (a.is_string()) rp.any_of.push_back(a.get<std::string>());
          else add(issues, field + ".any_of", "must hold strings");
        t.rubric.push_back(rp);
      }
    }
  }
  get_string_list(j, "expected_tools", t.expected_tools, issues);
  for (auto& a : t.expected_tools) a = canonical_tool(a);
  if (j.contains("functions")) t.functions = j["functions"];
  if (j.contains("expected_calls")) t.expected_calls = j["expected_calls"];
  get_string(j, "reference_solution", t.reference_solution, issues, false);
  get_string(j, "checker", t.checker, issues, false);
  get_string(j, "source", t.source, issues, false);
  get_string(j, "source_id", t.source_id, issues, false);
  get_string(j, "split", t.split, issues, false);
  if (auto it = j.find("knobs"); it != j.end() && !it->is_null()) {
    if (it->is_object()) t.knobs = *it;
    else add(issues, "knobs", "must be an object of numbers");
  }

  if (get_string(j, "check", s, issues, false)) {
    if (auto c = parse_check(s)) t.check = *c;
    else add(issues, "check", "'" + s + "' is not exact|numeric|unit_tests|rubric|final_state|call_match|decision|answer_check|abstain");
  } else if (!j.contains("check")) {
    // Seed records carry no `check`: infer it from the ground truth present.
    if (!t.tests.empty()) t.check = Check::unit_tests;
    else if (t.answer) t.check = Check::numeric;
    else if (!t.rubric.empty()) t.check = Check::rubric;
    else t.check = Check::exact;
  }

  if (auto it = j.find("generator"); it != j.end() && !it->is_null()) {
    const json& g = *it;
    if (!g.is_object()) {
      add(issues, "generator", "must be an object");
    } else {
      if (g.contains("family") && g["family"].is_string()) t.generator.family = g["family"].get<std::string>();
      else add(issues, "generator.family", "missing");
      if (g.contains("kind") && g["kind"].is_string()) t.generator.kind = g["kind"].get<std::string>();
      if (g.contains("phrasing") && g["phrasing"].is_number_integer()) t.generator.phrasing = g["phrasing"].get<int>();
      if (g.contains("augmentations") && g["augmentations"].is_array())
        for (const auto& a : g["augmentations"])
          if (a.is_string()) t.generator.augmentations.push_back(a.get<std::string>());
      if (g.contains("trap") && g["trap"].is_string()) t.generator.trap = g["trap"].get<std::string>();
      if (g.contains("knobs")) t.generator.knobs = g["knobs"];
      if (g.contains("params")) t.generator.params = g["params"];
      if (g.contains("reference_sha256") && g["reference_sha256"].is_string())
        t.generator.reference_sha256 = g["reference_sha256"].get<std::string>();
      else add(issues, "generator.reference_sha256", "missing");
    }
  }
  for (const auto& [k, v] : j.items())
    if (!kKnownFields.count(k)) t.extra[k] = v;

  if (issues.size() != before) return std::nullopt;
  validate_task(t, issues);
  if (issues.size() != before) return std::nullopt;
  return t;
}

void validate_task(const Task& t, std::vector<Issue>& issues) {
  if (t.id.empty()) add(issues, "id", "empty");
  if (t.prompt.empty()) add(issues, "prompt", "empty");
  const std::set<std::string> offered = function_names(t.functions);
  auto known_tool = [&](const std::string& name) { return is_harness_tool(name) || offered.count(name) > 0; };
  if (!known_tool(t.optimal_tool))
    add(issues, "optimal_tool", "'" + t.optimal_tool + "' is not python|math|docs|none|external or an offered function");
  for (const auto& a : t.alternative_tools) {
    if (!known_tool(a)) add(issues, "alternative_tools", "'" + a + "' is not a known tool");
    if (a == t.optimal_tool) add(issues, "alternative_tools", "repeats optimal_tool '" + a + "'");
  }
  if (!t.split.empty() && t.split != "train" && t.split != "dev" && t.split != "test")
    add(issues, "split", "'" + t.split + "' is not train|dev|test");
  if (t.abs_tol < 0 || !std::isfinite(t.abs_tol)) add(issues, "abs_tol", "must be a finite number >= 0");
  if (t.rel_tol < 0 || !std::isfinite(t.rel_tol)) add(issues, "rel_tol", "must be a finite number >= 0");
  switch (t.check) {
    case Check::exact:
      if (t.ground_truth_output.empty()) add(issues, "ground_truth_output", "required when check is exact");
      break;
    case Check::numeric:
      if (!t.answer) add(issues, "answer", "a number is required when check is numeric");
      else if (!std::isfinite(*t.answer)) add(issues, "answer", "must be finite");
      break;
    case Check::unit_tests:
      if (t.tests.empty()) add(issues, "tests", "required when check is unit_tests");
      break;
    case Check::rubric:
      if (t.rubric.empty()) add(issues, "rubric", "at least one point is required when check is rubric");
      for (size_t i = 0; i < t.rubric.size(); ++i) {
        std::string field = "rubric[" + std::to_string(i) + "]";
        if (t.rubric[i].any_of.empty()) add(issues, field + ".any_of", "empty");
        for (const auto& re : t.rubric[i].any_of) {
          std::string error;
          if (!Regex::compile(re, /*case_insensitive=*/true, &error))
            add(issues, field + ".any_of", "bad regex '" + clip(re) + "': " + error);
        }
      }
      break;
    case Check::final_state:
      if (t.tests.empty() && t.ground_truth_output.empty())
        add(issues, "tests", "final_state needs tests or ground_truth_output");
      for (const auto& a : t.expected_tools)
        if (!known_tool(a)) add(issues, "expected_tools", "'" + a + "' is not a known tool");
      break;
    case Check::call_match:
      if (!t.functions.is_array() || t.functions.empty())
        add(issues, "functions", "a non-empty list is required when check is call_match");
      if (!t.expected_calls.is_array() || t.expected_calls.empty())
        add(issues, "expected_calls", "a non-empty list is required when check is call_match");
      break;
    case Check::abstain:
      if (!t.functions.is_array() || t.functions.empty())
        add(issues, "functions", "a non-empty list is required when check is abstain");
      break;
    case Check::decision:
      break;
    case Check::answer_check:
      if (t.checker.find("def check(") == std::string::npos)
        add(issues, "checker", "answer_check needs Python defining check(answer)");
      break;
  }
  if (!t.functions.is_null() && !t.functions.is_array()) add(issues, "functions", "must be a list");
  check_placeholders(t, issues);
}

}  // namespace agentcoder::data
