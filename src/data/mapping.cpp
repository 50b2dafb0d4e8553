#include "data/mapping.h"

#include <algorithm>
#include <filesystem>
#include <functional>
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
#include "utils/regex.h"

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

// `parse = "json"`: a field that holds JSON as a string (When2Call's tools).
json parse_json_text(const json& value) {
  if (!value.is_string()) return value;  // already JSON
  try {
    return json::parse(value.get<std::string>());
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    auto pos = what.find("] ");
    throw Unresolved("the text is not JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2)));
  }
}

// `regex = "..."`: the first capture group (or the whole match) on the first
// line that matches (utils/regex.h syntax, case-sensitive).
json extract(const std::string& pattern, const json& value) {
  std::string error;
  const std::optional<Regex> re = Regex::compile(pattern, /*case_insensitive=*/false, &error);
  if (!re) throw Unresolved("bad regex: " + error);  // checked when the mapping loads
  std::istringstream in(key_text(value));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (std::optional<std::string> m = re->search(line, re->groups() > 0 ? 1 : 0)) return *m;
  }
  throw Unresolved("regex '" + pattern + "' matches no line of " + value.dump());
}

json resolve(const json& rule, const json& record);

// A rule's `default` is a value like any other: a template is rendered.
json fallback(const json& rule, const json& record) { return resolve(rule["default"], record); }

json resolve(const json& rule, const json& record) {
  if (rule.is_string()) return resolve_template(rule.get<std::string>(), record);
  if (rule.is_array()) {
    // A constant list; its strings are templates too.
    json out = json::array();
    for (const auto& x : rule) out.push_back(resolve(x, record));
    return out;
  }
  if (!rule.is_object()) return rule;  // numbers, booleans
  if (rule.contains("first_of")) {
    for (const auto& option : rule["first_of"]) {
      try {
        return resolve(option, record);
      } catch (const Unresolved&) {
      }
    }
    if (rule.contains("default")) return fallback(rule, record);
    throw Unresolved("none of first_of resolves");
  }
  if (!rule.contains("from")) throw std::invalid_argument("a rule table needs 'from' or 'first_of'");
  json value;
  try {
    value = resolve(rule["from"], record);
    if (rule.contains("parse")) value = parse_json_text(value);
    if (rule.contains("regex")) value = extract(rule["regex"].get<std::string>(), value);
  } catch (const Unresolved&) {
    if (rule.contains("default")) return fallback(rule, record);
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
    // A mapped value is itself a template over the record.
    if (map.contains(key)) return resolve(map[key], record);
    if (rule.contains("default")) return fallback(rule, record);
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
      if (r.is_array() && r.size() == 2 && r[0].is_number() && x <= r[0].get<double>()) return resolve(r[1], record);
    if (rule.contains("default")) return fallback(rule, record);
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

// Refuses keys a rule table does not know (a misspelt `defualt` would
// otherwise be ignored), recursively through first_of, map and default.
void check_rule(const json& rule, const std::string& where, const std::function<void(const std::string&, const std::string&)>& bad) {
  static const std::set<std::string> known = {"from", "first_of", "default", "map", "match", "ranges", "regex", "parse"};
  if (rule.is_array())
    for (size_t i = 0; i < rule.size(); ++i) check_rule(rule[i], where + "[" + std::to_string(i) + "]", bad);
  if (!rule.is_object()) return;
  for (const auto& [k, v] : rule.items())
    if (!known.count(k)) bad(where + "." + k, "unknown rule key (rules take from, first_of, parse, regex, map, match, ranges, default)");
  if (!rule.contains("from") && !rule.contains("first_of")) bad(where, "a rule table needs 'from' or 'first_of'");
  if (rule.contains("match") && rule["match"] != "exact" && rule["match"] != "prefix") bad(where + ".match", "must be exact or prefix");
  if (rule.contains("parse") && rule["parse"] != "json") bad(where + ".parse", "must be \"json\"");
  if (rule.contains("regex")) {
    if (!rule["regex"].is_string()) bad(where + ".regex", "must be a string");
    std::string error;
    if (rule["regex"].is_string() && !Regex::compile(rule["regex"].get<std::string>(), false, &error))
      bad(where + ".regex", "bad regex: " + error);
  }
  if (rule.contains("first_of")) check_rule(rule["first_of"], where + ".first_of", bad);
  if (rule.contains("default")) check_rule(rule["default"], where + ".default", bad);
  if (rule.contains("map")) {
    if (!rule["map"].is_object()) bad(where + ".map", "must be a table");
    else
      for (const auto& [k, v] : rule["map"].items()) check_rule(v, where + ".map." + k, bad);
  }
}

void check_spec(const Mapping& m) {
  const json& s = m.spec;
  auto bad = [&](const std::string& field, const std::string& message) {
    throw InputError(m.origin + ": field '" + field + "': " + message);
  };
  static const std::set<std::string> known = {"name", "source", "description", "filter", "require", "join", "fields", "knobs"};
  for (const auto& [k, v] : s.items())
    if (!known.count(k)) bad(k, "unknown field");
  if (!s.contains("source") || !s["source"].is_string()) bad("source", "missing");
  if (!s.contains("fields") || !s["fields"].is_object()) bad("fields", "missing");
  for (const char* required : {"prompt", "category", "difficulty", "optimal_tool"})
    if (!s["fields"].contains(required)) bad(std::string("fields.") + required, "missing");
  for (const auto& [field, rule] : s["fields"].items()) {
    // source comes from the top-level key; generator describes synthetic tasks only.
    if (field == "source" || field == "generator" || field == "knobs") bad("fields." + field, "is not set by a mapping");
    if (!is_task_field(field)) bad("fields." + field, unknown_field_message(field));
    check_rule(rule, "fields." + field, bad);
  }
  if (s.contains("knobs")) {
    if (!s["knobs"].is_object()) bad("knobs", "must be a table");
    for (const auto& [name, rule] : s["knobs"].items()) check_rule(rule, "knobs." + name, bad);
  }
  if (s.contains("filter")) {
    const json& f = s["filter"];
    if (!f.is_object() || !f.contains("field") || !(f.contains("include") || f.contains("exclude"))) bad("filter", "needs field and include or exclude");
    for (const auto& [k, v] : f.items())
      if (k != "field" && k != "include" && k != "exclude") bad("filter." + k, "unknown field (filter takes field, include, exclude)");
  }
  if (s.contains("require")) {
    if (!s["require"].is_array()) bad("require", "must be a list of tables ([[require]])");
    for (size_t i = 0; i < s["require"].size(); ++i) {
      const json& r = s["require"][i];
      std::string where = "require[" + std::to_string(i) + "]";
      if (!r.is_object() || !r.contains("value") || !r["value"].is_string()) bad(where + ".value", "missing");
      if (!r.contains("reason") || !r["reason"].is_string()) bad(where + ".reason", "missing");
      if (r.contains("equals") == r.contains("one_of")) bad(where, "needs equals or one_of");
      for (const auto& [k, v] : r.items())
        if (k != "value" && k != "equals" && k != "one_of" && k != "reason")
          bad(where + "." + k, "unknown field (require takes value, equals or one_of, reason)");
    }
  }
  if (s.contains("join")) {
    const json& j = s["join"];
    for (const char* key : {"file", "key", "as"})
      if (!j.contains(key) || !j[key].is_string()) bad(std::string("join.") + key, "missing");
    for (const auto& [k, v] : j.items())
      if (k != "file" && k != "key" && k != "as") bad("join." + k, "unknown field (join takes file, key, as)");
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

int ImportResult::refused_total() const {
  int n = 0;
  for (const auto& [reason, count] : refused) n += count;
  return n;
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
    // The first requirement a record fails refuses it: the task model cannot
    // hold it (a conversation, say), which is not a fault of the record.
    bool refused = false;
    for (const auto& r : spec.value("require", json::array())) {
      bool met = false;
      try {
        std::string v = key_text(resolve(r["value"], record));
        if (r.contains("equals")) met = v == key_text(r["equals"]);
        else
          for (const auto& x : r["one_of"]) met = met || v == key_text(x);
      } catch (const Unresolved&) {
      }
      if (!met) {
        ++result.refused[r["reason"].get<std::string>()];
        refused = true;
        break;
      }
    }
    if (refused) continue;
    json context = record;
    if (context.is_object()) context["_record"] = line;
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
