#include "experiment/run_config.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>

#include <toml++/toml.h>

#include "adapters/registry.h"
#include "agent/episode.h"
#include "agent/episode_runner.h"
#include "models/engine.h"
#include "models/lora.h"
#include "store/hidden_states_file.h"
#include "tools/tool_config.h"
#include "utils/errors.h"
#include "utils/files.h"

namespace agentcoder::experiment {
namespace {

// One table of the config (the top level, a [section] or a [[models]]
// entry). Every key read through it is remembered, so reject_unknown() can
// refuse a key nothing reads: a misspelled key would otherwise run silently
// with the default. Errors are "FILE:LINE: [section] key: why".
class Section {
 public:
  Section(std::string file, std::string label, const toml::table& table)
      : file_(std::move(file)), label_(std::move(label)), table_(table) {}

  template <typename T>
  void get(const std::string& key, T& out, int64_t min = 0) {
    const toml::node* node = find(key);
    if (node == nullptr) return;
    if constexpr (std::is_same_v<T, std::string>) {
      if (!node->is_string()) fail(key, "expected a string, got " + type_of(*node));
      out = *node->value<std::string>();
      refuse_nul(key, out);
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!node->is_boolean()) fail(key, "expected true or false, got " + type_of(*node));
      out = *node->value<bool>();
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!node->is_number()) fail(key, "expected a number, got " + type_of(*node));
      out = static_cast<T>(*node->value<double>());
    } else {
      if (!node->is_integer()) fail(key, "expected an integer, got " + type_of(*node));
      int64_t v = *node->value<int64_t>();
      if (v < min) fail(key, min == 0 ? "must not be negative" : "must be at least " + std::to_string(min));
      if (v > 0 && static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<T>::max()))
        fail(key, "too large (at most " + std::to_string(std::numeric_limits<T>::max()) + ")");
      out = static_cast<T>(v);
    }
  }

  void get_list(const std::string& key, std::vector<std::string>& out) {
    const toml::node* node = find(key);
    if (node == nullptr) return;
    const toml::array* array = node->as_array();
    if (array == nullptr) fail(key, "expected an array of strings, got " + type_of(*node));
    out.clear();
    for (const auto& item : *array) {
      if (!item.is_string()) fail(key, "expected an array of strings, got an element of type " + type_of(item));
      out.push_back(*item.value<std::string>());
      refuse_nul(key, out.back());
    }
  }

  void get_int_list(const std::string& key, std::vector<int>& out) {
    const toml::node* node = find(key);
    if (node == nullptr) return;
    const toml::array* array = node->as_array();
    if (array == nullptr) fail(key, "expected an array of integers, got " + type_of(*node));
    out.clear();
    for (const auto& item : *array) {
      if (!item.is_integer()) fail(key, "expected an array of integers, got an element of type " + type_of(item));
      int64_t v = *item.value<int64_t>();
      if (v < 0 || v > 100000) fail(key, "element " + std::to_string(v) + " must be between 0 and 100000");
      out.push_back(static_cast<int>(v));
    }
  }

  // "FILE:LINE: [section] key" for a message about the key's value found later.
  std::string where(const std::string& key) const { return place(table_.get(key)) + prefix() + key; }

  // The [name] table; an empty one when the config has none.
  Section section(const std::string& name) {
    const toml::node* node = find(name);
    if (node == nullptr) return Section(file_, "[" + name + "]", empty_);
    if (!node->is_table()) fail(name, "expected a table [" + name + "], got " + type_of(*node));
    return Section(file_, "[" + name + "]", *node->as_table());
  }

  // The [[name]] entries.
  std::vector<Section> array_of_tables(const std::string& name) {
    std::vector<Section> out;
    const toml::node* node = find(name);
    if (node == nullptr) return out;
    if (!node->is_array_of_tables()) fail(name, "expected [[" + name + "]] tables, got " + type_of(*node));
    for (const auto& entry : *node->as_array()) out.emplace_back(file_, "[[" + name + "]]", *entry.as_table());
    return out;
  }

  // Every key of this section a table of scalars, as JSON objects by key
  // ([tools_options.python] -> {"python": {...}}).
  nlohmann::json tables_as_json() {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, node] : table_) {
      const std::string name(key.str());
      read_.insert(name);
      const toml::table* t = node.as_table();
      if (t == nullptr) fail(name, "expected a table, got " + type_of(node));
      Section inner(file_, label_.substr(0, label_.size() - 1) + "." + name + "]", *t);
      nlohmann::json& options = out[name] = nlohmann::json::object();
      for (const auto& [option, value] : *t) {
        const std::string o(option.str());
        if (value.is_integer()) options[o] = *value.value<int64_t>();
        else if (value.is_floating_point()) options[o] = *value.value<double>();
        else if (value.is_string()) options[o] = inner.refuse_nul(o, *value.value<std::string>());
        else if (value.is_boolean()) options[o] = *value.value<bool>();
        else inner.fail(o, "expected a number, string or boolean, got " + type_of(value));
      }
    }
    return out;
  }

  void reject_unknown() const {
    for (const auto& [key, node] : table_) {
      const std::string name(key.str());
      if (read_.count(name)) continue;
      std::string known;
      for (const auto& k : read_) known += (known.empty() ? "" : ", ") + k;
      throw InputError(place(&node) + prefix() + name + ": unknown key (known here: " + known + ")");
    }
  }

  // A NUL would cut every message and path that holds the string short.
  const std::string& refuse_nul(const std::string& key, const std::string& value) const {
    if (value.find('\0') != std::string::npos) fail(key, "must not contain a NUL character");
    return value;
  }

  // Each number of the config has a range: outside it a value would wrap,
  // overflow a later computation or ask the machine for the impossible.
  template <typename T>
  void check_range(const std::string& key, T value, T lo, T hi) const {
    if (value >= lo && value <= hi) return;  // false for NaN
    std::ostringstream range;
    range << "must be between " << lo << " and " << hi;
    fail(key, range.str());
  }

  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    throw InputError(place(table_.get(key)) + prefix() + key + ": " + why);
  }

 private:
  const toml::node* find(const std::string& key) {
    read_.insert(key);
    return table_.get(key);
  }

  // "FILE:LINE: " where the node (else this table) starts, "FILE: " when neither has a line.
  std::string place(const toml::node* node) const {
    const toml::node& at = node != nullptr ? *node : static_cast<const toml::node&>(table_);
    if (at.source().begin.line > 0) return file_ + ":" + std::to_string(at.source().begin.line) + ": ";
    return file_ + ": ";
  }
  std::string prefix() const { return label_.empty() ? "" : label_ + " "; }

  static std::string type_of(const toml::node& node) {
    switch (node.type()) {
      case toml::node_type::string: return "a string";
      case toml::node_type::integer: return "an integer";
      case toml::node_type::floating_point: return "a number with a fraction";
      case toml::node_type::boolean: return "a boolean";
      case toml::node_type::array: return "an array";
      case toml::node_type::table: return "a table";
      default: return "a date or time";
    }
  }

  static inline const toml::table empty_{};
  std::string file_;
  std::string label_;  // "" (top level), "[agent]", "[[models]]"
  const toml::table& table_;
  std::set<std::string> read_;
};

// A path written in the config, from the config file's folder (absolute ones
// as they are), so that a config means the same from any current directory.
std::string from_config_folder(const std::string& config_file, const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(config_file).parent_path() / path).lexically_normal().string();
}

// A lora entry's file: a registered adapter's GGUF for a registry name
// (adapters/registry.h), else a path from the config folder.
std::string adapter_file(const std::string& config_file, const ModelVariant& v, const std::string& entry) {
  if (!adapters::is_registry_name(entry)) return from_config_folder(config_file, entry);
  adapters::AdapterRegistry registry(adapters::AdapterRegistry::default_dir());
  auto record = registry.find(entry);
  if (!record)
    throw InputError(config_file + ": [[models]] '" + v.name + "' lora '" + entry + "': no adapter of that name in " +
                     registry.dir() + " (a path to a GGUF needs a '/' or the .gguf suffix)");
  return record->path;
}

}  // namespace

RunConfig load_run_config(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw MissingFileError(path + ": cannot read experiment config");
  if (!std::filesystem::is_regular_file(path, ec)) throw InputError(path + ": cannot read experiment config");
  return parse_run_config(read_file(path), path);
}

RunConfig parse_run_config(const std::string& text, const std::string& path) {
  RunConfig c;
  c.file = path;
  c.text = text;
  toml::table root;
  try {
    root = toml::parse(c.text, path);
  } catch (const toml::parse_error& e) {
    throw InputError(path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  Section top(path, "", root);
  top.get("name", c.name);
  top.get("seed", c.seed);
  top.get("samples", c.samples);

  Section data = top.section("data");
  data.get("tasks", c.tasks);
  data.get("split", c.split);
  data.get("per_cell", c.per_cell);
  data.get("generate_per_cell", c.generate_per_cell);
  data.get("seed", c.data_seed);

  Section agent = top.section("agent");
  agent.get_list("formats", c.formats);
  std::vector<std::string> modes;
  agent.get_list("modes", modes);
  for (const std::string& m : modes) {
    std::optional<Mode> mode = parse_mode(m);
    if (!mode) agent.fail("modes", "unknown mode '" + m + "' (free, force_tool, force_text, no_tools, distractor)");
    c.modes.push_back(*mode);
  }
  agent.get_list("tools", c.tools);
  const std::vector<std::string> builtin = tools::builtin_tool_names();
  for (size_t i = 0; i < c.tools.size(); ++i) {
    if (std::find(builtin.begin(), builtin.end(), c.tools[i]) == builtin.end()) {
      std::string known;
      for (const auto& b : builtin) known += (known.empty() ? "" : ", ") + b;
      agent.fail("tools", "unknown tool '" + c.tools[i] + "' (known: " + known + ")");
    }
    if (std::find(c.tools.begin(), c.tools.begin() + i, c.tools[i]) != c.tools.begin() + i)
      agent.fail("tools", "tool '" + c.tools[i] + "' is listed twice");
  }
  agent.get("prompts", c.prompts_dir);
  agent.get("max_steps", c.max_steps);
  agent.get("max_tokens", c.max_tokens);
  agent.get("max_tokens_per_step", c.max_tokens_per_step);
  agent.get("temperature", c.temperature);
  agent.get("fenced_code_is_call", c.fenced_code_is_call);
  agent.get("tool_format", c.tool_format);
  if (c.tool_format != "auto" && c.tool_format != "harness")
    agent.fail("tool_format", "unknown format '" + c.tool_format + "' (auto, harness)");
  agent.get("tool_instructions", c.tool_instructions);
  agent.get("force_tool_prefill", c.force_tool_prefill);
  if (!agent::parse_forced_call_form(c.force_tool_prefill))
    agent.fail("force_tool_prefill", "unknown form '" + c.force_tool_prefill + "' (auto, call_opener, fenced_code)");

  Section engine = top.section("engine");
  engine.get("parallel", c.parallel);
  engine.get("context_per_sequence", c.context_per_sequence);
  engine.get("threads", c.threads);
  engine.get("kv_type", c.kv_type);

  Section sandbox = top.section("sandbox");
  sandbox.get("timeout", c.sandbox_timeout);
  sandbox.get("memory_mb", c.sandbox_memory_mb);
  sandbox.get("cpus", c.sandbox_cpus);

  // The layers' range is checked against each model in plan().
  Section probe = top.section("probe");
  probe.get_int_list("hidden_layers", c.hidden_layers);
  for (size_t i = 0; i < c.hidden_layers.size(); ++i)
    if (std::find(c.hidden_layers.begin(), c.hidden_layers.begin() + i, c.hidden_layers[i]) !=
        c.hidden_layers.begin() + i)
      probe.fail("hidden_layers", "layer " + std::to_string(c.hidden_layers[i]) + " is listed twice");
  c.hidden_layers_place = probe.where("hidden_layers");
  probe.get("dtype", c.hidden_dtype);
  if (!store::parse_hidden_dtype(c.hidden_dtype)) probe.fail("dtype", "unknown dtype '" + c.hidden_dtype + "' (f32, f16)");

  // Option names and values are checked where the tools are made (plan()).
  Section tool_options = top.section("tools_options");
  c.tools_options = tool_options.tables_as_json();
  for (const auto& [tool, options] : c.tools_options.items())
    if (std::find(c.tools.begin(), c.tools.end(), tool) == c.tools.end())
      tool_options.fail(tool, "options for a tool not in [agent] tools");

  for (Section& m : top.array_of_tables("models")) {
    ModelVariant v;
    m.get("name", v.name);
    m.get("path", v.path);
    m.get("quantize", v.quantize);
    m.get_list("lora", v.lora);
    m.get("gpu_layers", v.gpu_layers, -1);  // -1 = all layers
    m.check_range("gpu_layers", v.gpu_layers, -1, 100000);
    m.reject_unknown();
    if (v.path.empty()) m.fail("path", "missing");
    if (v.name.empty()) v.name = v.path;
    c.models.push_back(v);
  }
  for (const Section* s : {&top, &data, &agent, &engine, &sandbox, &probe}) s->reject_unknown();

  if (c.name.empty()) top.fail("name", "missing");
  if (c.tasks.empty()) data.fail("tasks", "missing");
  if (c.models.empty()) top.fail("models", "at least one [[models]] entry is needed");
  if (c.formats.empty()) agent.fail("formats", "at least one prompt format is needed");
  if (c.modes.empty()) agent.fail("modes", "at least one mode is needed");
  data.check_range("per_cell", c.per_cell, 0, 1000000);
  data.check_range("generate_per_cell", c.generate_per_cell, 0, 1000000);
  engine.check_range("parallel", c.parallel, 1, 512);
  engine.check_range("context_per_sequence", c.context_per_sequence, 1, 1 << 20);
  engine.check_range("threads", c.threads, 0, 1024);  // 0: llama.cpp's choice
  try {
    models::check_kv_cache_type(c.kv_type);
  } catch (const std::invalid_argument& e) {
    engine.fail("kv_type", e.what());
  }
  agent.check_range("max_steps", c.max_steps, 1, 1000);
  agent.check_range("max_tokens", c.max_tokens, 1, 1 << 20);
  agent.check_range("max_tokens_per_step", c.max_tokens_per_step, 1, 1 << 20);
  agent.check_range("temperature", c.temperature, 0.0f, 100.0f);
  top.check_range("samples", c.samples, 1, 100000);
  if (c.samples > 1 && c.temperature == 0)
    top.fail("samples", std::to_string(c.samples) +
                            " samples need [agent] temperature > 0 (greedy decoding repeats one episode)");
  sandbox.check_range("timeout", c.sandbox_timeout, 0.001, 86400.0);
  sandbox.check_range("memory_mb", c.sandbox_memory_mb, 16, 1 << 20);  // Python itself needs about 10 MB
  sandbox.check_range("cpus", c.sandbox_cpus, 0.01, 1024.0);
  // The run's folder is <results>/<name>: a path in the name would put it elsewhere.
  if (c.name.find('/') != std::string::npos || c.name == "." || c.name == "..")
    top.fail("name", "must be a plain file name (no '/', not '.' or '..')");

  c.tasks = from_config_folder(path, c.tasks);
  c.prompts_dir = from_config_folder(path, c.prompts_dir);
  if (!c.tool_instructions.empty()) c.tool_instructions = from_config_folder(path, c.tool_instructions);
  if (c.tools_options.contains("docs") && c.tools_options["docs"].contains("index") &&
      c.tools_options["docs"]["index"].is_string())
    c.tools_options["docs"]["index"] = from_config_folder(path, c.tools_options["docs"]["index"].get<std::string>());
  for (ModelVariant& v : c.models) {
    if (v.path != "default") v.path = from_config_folder(path, v.path);
    for (std::string& lora : v.lora) {
      const std::string adapter = models::LoraSpec::parse(lora).path;  // PATH[:SCALE] or NAME[:SCALE]
      lora = adapter_file(path, v, adapter) + lora.substr(adapter.size());
    }
  }
  return c;
}

}  // namespace agentcoder::experiment
