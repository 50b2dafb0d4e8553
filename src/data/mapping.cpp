#include "data/mapping.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "data/embedded.h"
#include "data/task_file.h"
#include "data/task_json.h"
#include "data/template.h"
#include "data/toml_json.h"
#include "utils/errors.h"
#include "utils/files.h"

namespace agentcoder::data {
namespace {

using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

// Task fields that hold JSON of a fixed shape rather than text.
const std::set<std::string> kListFields = {"alternative_tools", "expected_tools"};
const std::set<std::string> kJsonFields = {"functions", "expected_calls"};
const std::set<std::string> kNumberFields = {"answer", "abs_tol", "rel_tol"};

// Thrown when a template names a path the record lacks.
struct Unresolved : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

json resolve_template(const std::string& text, const json& record) {
  std::string path = sole_placeholder(text);
  if (!path.empty()) {
    const json* v = lookup(record, path);
    if (!v) throw Unresolved("'" + path + "' is not in the record");
    return *v;
  }
  try {
    return render_template(text, record);
  } catch (const std::invalid_argument& e) {
    throw Unresolved(e.what());
  }
}

std::string key_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

json resolve(const json& rule, const json& record) {
  if (rule.is_string()) return resolve_template(rule.get<std::string>(), record);
  if (!rule.is_object()) return rule;  // constants: lists, numbers, booleans
  if (rule.contains("first_of")) {
    for (const auto& option : rule["first_of"]) {
      try {
        return resolve(option, record);
      } catch (const Unresolved&) {
      }
    }
    if (rule.contains("default")) return rule["default"];
    throw Unresolved("none of first_of resolves");
  }
  if (!rule.contains("from")) throw std::invalid_argument("a rule table needs 'from' or 'first_of'");
  json value;
  try {
    value = resolve(rule["from"], record);
  } catch (const Unresolved&) {
    if (rule.contains("default")) return rule["default"];
    throw;
  }
  if (rule.contains("map")) {
    const json& map = rule["map"];
    std::string key = key_text(value);
    if (rule.value("match", std::string("exact")) == "prefix") {
      // The longest map key that starts the value.
      std::string best;
      bool found = false;
      for (const auto& [k, v] : map.items())
        if (key.compare(0, k.size(), k) == 0 && (!found || k.size() > best.size())) {
          best = k;
          found = true;
        }
      if (found) key = best;
    }
    // A mapped string is itself a template over the record.
    if (map.contains(key)) return map[key].is_string() ? resolve(map[key], record) : map[key];
    if (rule.contains("default")) return rule["default"];
    throw Unresolved("value " + value.dump() + " is not in the map");
  }
  if (rule.contains("ranges")) {
    double x = 0;
    if (value.is_number()) x = value.get<double>();
    else if (value.is_string()) {
      try {
        x = std::stod(value.get<std::string>());
      } catch (const std::exception&) {
        throw Unresolved("value " + value.dump() + " is not a number");
      }
    } else throw Unresolved("value " + value.dump() + " is not a number");
    for (const auto& r : rule["ranges"])
      if (r.is_array() && r.size() == 2 && r[0].is_number() && x <= r[0].get<double>()) return r[1];
    if (rule.contains("default")) return rule["default"];
    throw Unresolved("value " + value.dump() + " is above every range");
  }
  return value;
}

// Converts a resolved value to the type the task field wants.
json shape(const std::string& field, const json& v) {
  if (kJsonFields.count(field)) return v;
  if (kListFields.count(field)) {
    if (v.is_array()) return v;
    if (v.is_string()) return json::array({v});
    return v;
  }
  if (kNumberFields.count(field)) {
    if (v.is_string()) {
      try {
        size_t used = 0;
        double x = std::stod(v.get<std::string>(), &used);
        if (used == v.get<std::string>().size()) return x;
      } catch (const std::exception&) {
      }
    }
    return v;
  }
  return v.is_string() ? v : json(v.dump());
}

void check_spec(const Mapping& m) {
  const json& s = m.spec;
  auto bad = [&](const std::string& field, const std::string& message) {
    throw InputError(m.origin + ": field '" + field + "': " + message);
  };
  static const std::set<std::string> known = {"name", "source", "description", "filter", "join", "fields", "knobs"};
  for (const auto& [k, v] : s.items())
    if (!known.count(k)) bad(k, "unknown field");
  if (!s.contains("source") || !s["source"].is_string()) bad("source", "missing");
  if (!s.contains("fields") || !s["fields"].is_object()) bad("fields", "missing");
  for (const char* required : {"id", "prompt", "category", "difficulty", "optimal_tool"})
    if (!s["fields"].contains(required)) bad(std::string("fields.") + required, "missing");
  if (s.contains("filter")) {
    const json& f = s["filter"];
    if (!f.contains("field") || !(f.contains("include") || f.contains("exclude"))) bad("filter", "needs field and include or exclude");
  }
  if (s.contains("join")) {
    const json& j = s["join"];
    for (const char* key : {"file", "key", "as"})
      if (!j.contains(key) || !j[key].is_string()) bad(std::string("join.") + key, "missing");
  }
}

// Records of a JSON Lines file (or a JSON array), with their line numbers.
std::vector<std::pair<int, json>> read_records(const std::string& path, std::vector<Issue>& issues) {
  const std::string text = read_file(path);
  std::vector<std::pair<int, json>> records;
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') {
    try {
      json all = json::parse(text);
      int n = 0;
      for (auto& r : all) records.emplace_back(++n, std::move(r));
    } catch (const json::parse_error& e) {
      throw InputError(path + ": malformed JSON array: " + e.what());
    }
    return records;
  }
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      records.emplace_back(number, json::parse(line));
    } catch (const json::parse_error& e) {
      issues.push_back(Issue{path, number, "", "malformed JSON"});
    }
  }
  return records;
}

}  // namespace

std::vector<std::string> builtin_mapping_names() {
  std::vector<std::string> names;
  for (const auto& f : embedded_mappings()) {
    std::string n = f.name;
    names.push_back(n.substr(0, n.size() - 5));  // drop ".toml"
  }
  return names;
}

Mapping load_mapping(const std::string& name_or_file) {
  Mapping m;
  for (const auto& f : embedded_mappings()) {
    if (std::string(f.name) == name_or_file + ".toml") {
      m.origin = std::string("mappings/") + f.name;
      m.spec = parse_toml(f.text, m.origin);
    }
  }
  if (m.origin.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(name_or_file, ec)) {
      std::string names;
      for (const auto& n : builtin_mapping_names()) names += (names.empty() ? "" : ", ") + n;
      throw InputError("--mapping: '" + name_or_file + "' is neither a built-in mapping (" + names + ") nor a file");
    }
    m.origin = name_or_file;
    m.spec = parse_toml(read_file(name_or_file), name_or_file);
  }
  m.name = m.spec.value("name", fs::path(name_or_file).stem().string());
  check_spec(m);
  return m;
}

ImportResult import_file(const Mapping& mapping, const std::string& input) {
  ImportResult result;
  const json& spec = mapping.spec;
  auto records = read_records(input, result.issues);

  std::map<std::string, json> joined;
  if (spec.contains("join")) {
    const json& j = spec["join"];
    json names = {{"input_name", fs::path(input).filename().string()}};
    fs::path file = fs::path(input).parent_path() / render_template(j["file"].get<std::string>(), names);
    std::vector<Issue> join_issues;
    for (auto& [line, r] : read_records(file.string(), join_issues)) {
      const json* key = lookup(r, j["key"].get<std::string>());
      if (key) joined[key_text(*key)] = r;
    }
    result.issues.insert(result.issues.end(), join_issues.begin(), join_issues.end());
  }

  for (auto& [line, record] : records) {
    ++result.records;
    auto issue = [&, line = line](const std::string& field, const std::string& message) {
      result.issues.push_back(Issue{input, line, field, message});
    };
    if (spec.contains("filter")) {
      const json& f = spec["filter"];
      const json* v = lookup(record, f["field"].get<std::string>());
      std::string value = v ? key_text(*v) : "";
      auto listed = [&](const char* key) {
        if (!f.contains(key)) return false;
        for (const auto& x : f[key])
          if (key_text(x) == value) return true;
        return false;
      };
      if ((f.contains("include") && !listed("include")) || listed("exclude")) {
        ++result.filtered;
        continue;
      }
    }
    json context = record;
    if (spec.contains("join")) {
      const json& j = spec["join"];
      const json* key = lookup(record, j["key"].get<std::string>());
      auto it = key ? joined.find(key_text(*key)) : joined.end();
      if (it == joined.end()) {
        issue(j["key"].get<std::string>(), "no matching record in the joined file");
        continue;
      }
      context[j["as"].get<std::string>()] = it->second;
    }
    json task = json::object();
    bool ok = true;
    for (const auto& [field, rule] : spec["fields"].items()) {
      try {
        task[field] = shape(field, resolve(rule, context));
      } catch (const std::invalid_argument& e) {
        issue(field, std::string("mapping: ") + e.what());
        ok = false;
      }
    }
    if (!ok) continue;
    task["source"] = spec["source"];
    if (spec.contains("knobs")) {
      json knobs = json::object();
      for (const auto& [name, rule] : spec["knobs"].items()) {
        try {
          json v = shape("answer", resolve(rule, context));
          if (v.is_number()) knobs[name] = v;
        } catch (const std::invalid_argument&) {
          // A knob the record lacks is simply not recorded.
        }
      }
      task["knobs"] = knobs;
    }
    std::vector<Issue> issues;
    auto t = task_from_json(task, issues);
    for (auto& i : issues) {
      i.file = input;
      i.line = line;
      result.issues.push_back(i);
    }
    if (t) result.tasks.push_back(std::move(*t));
  }
  std::stable_sort(result.issues.begin(), result.issues.end(),
                   [](const Issue& a, const Issue& b) { return a.file == b.file && a.line < b.line; });
  return result;
}

}  // namespace agentcoder::data
