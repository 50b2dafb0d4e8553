#include "experiment/run_config.h"

#include <filesystem>

#include <toml++/toml.h>

#include "agent/episode.h"
#include "utils/errors.h"
#include "utils/files.h"

namespace agentcoder::experiment {
namespace {

class Reader {
 public:
  Reader(const std::string& file, const toml::table& root) : file_(file), root_(root) {}

  template <typename T>
  void get(const char* key, T& out) const {
    auto node = root_.at_path(key);
    if (!node) return;
    if constexpr (std::is_same_v<T, std::string>) {
      if (!node.is_string()) fail(key, "expected a string");
      out = *node.value<std::string>();
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!node.is_boolean()) fail(key, "expected true or false");
      out = *node.value<bool>();
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!node.is_number()) fail(key, "expected a number");
      out = static_cast<T>(*node.value<double>());
    } else {
      if (!node.is_integer()) fail(key, "expected an integer");
      int64_t v = *node.value<int64_t>();
      if (v < 0) fail(key, "must not be negative");
      out = static_cast<T>(v);
    }
  }
  void get_list(const char* key, std::vector<std::string>& out) const {
    auto node = root_.at_path(key);
    if (!node) return;
    const toml::array* array = node.as_array();
    if (array == nullptr) fail(key, "expected an array of strings");
    out.clear();
    for (const auto& item : *array) {
      if (!item.is_string()) fail(key, "expected an array of strings");
      out.push_back(*item.value<std::string>());
    }
  }
  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    throw InputError(file_ + ": key '" + key + "': " + why);
  }

 private:
  std::string file_;
  const toml::table& root_;
};

}  // namespace

RunConfig load_run_config(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw InputError(path + ": cannot read experiment config");
  RunConfig c;
  c.file = path;
  c.text = read_file(path);
  toml::table root;
  try {
    root = toml::parse(c.text, path);
  } catch (const toml::parse_error& e) {
    throw InputError(path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  Reader r(path, root);
  r.get("name", c.name);
  r.get("seed", c.seed);
  r.get("data.tasks", c.tasks);
  r.get("data.split", c.split);
  r.get("data.per_cell", c.per_cell);
  r.get("data.generate_per_cell", c.generate_per_cell);
  r.get("data.seed", c.data_seed);
  r.get_list("agent.formats", c.formats);
  std::vector<std::string> modes;
  r.get_list("agent.modes", modes);
  for (const std::string& m : modes) {
    std::optional<Mode> mode = parse_mode(m);
    if (!mode) r.fail("agent.modes", "unknown mode '" + m + "' (free, force_tool, force_text)");
    c.modes.push_back(*mode);
  }
  r.get_list("agent.tools", c.tools);
  r.get("agent.prompts", c.prompts_dir);
  r.get("agent.max_steps", c.max_steps);
  r.get("agent.max_tokens", c.max_tokens);
  r.get("agent.max_tokens_per_step", c.max_tokens_per_step);
  r.get("agent.temperature", c.temperature);
  r.get("agent.fenced_code_is_call", c.fenced_code_is_call);
  r.get("agent.tool_format", c.tool_format);
  if (c.tool_format != "auto" && c.tool_format != "harness")
    r.fail("agent.tool_format", "unknown format '" + c.tool_format + "' (auto, harness)");
  r.get("agent.tool_instructions", c.tool_instructions);
  r.get("engine.parallel", c.parallel);
  r.get("engine.context_per_sequence", c.context_per_sequence);
  r.get("engine.threads", c.threads);
  r.get("sandbox.timeout", c.sandbox_timeout);
  r.get("sandbox.memory_mb", c.sandbox_memory_mb);
  r.get("sandbox.cpus", c.sandbox_cpus);

  if (const toml::array* models = root["models"].as_array()) {
    for (size_t i = 0; i < models->size(); ++i) {
      const toml::table* t = models->get(i)->as_table();
      std::string prefix = "models[" + std::to_string(i) + "]";
      if (t == nullptr) r.fail(prefix, "expected a table");
      Reader m(path, *t);
      ModelVariant v;
      m.get("name", v.name);
      m.get("path", v.path);
      m.get("quantize", v.quantize);
      m.get_list("lora", v.lora);
      m.get("gpu_layers", v.gpu_layers);
      if (v.path.empty()) r.fail(prefix + ".path", "missing");
      if (v.name.empty()) v.name = v.path;
      c.models.push_back(v);
    }
  }
  if (c.name.empty()) r.fail("name", "missing");
  if (c.tasks.empty()) r.fail("data.tasks", "missing");
  if (c.models.empty()) r.fail("models", "at least one [[models]] entry is needed");
  if (c.formats.empty()) r.fail("agent.formats", "at least one prompt format is needed");
  if (c.modes.empty()) r.fail("agent.modes", "at least one mode is needed");
  if (c.parallel < 1) r.fail("engine.parallel", "must be at least 1");
  if (c.max_steps < 1) r.fail("agent.max_steps", "must be at least 1");
  if (c.name.find('/') != std::string::npos) r.fail("name", "must not contain '/'");
  return c;
}

}  // namespace agentcoder::experiment
