#include "tools/tool_config.h"

#include <cmath>
#include <set>
#include <stdexcept>

#include "tools/docs_tool.h"
#include "tools/math_tool.h"
#include "tools/python_tool.h"
#include "utils/errors.h"

namespace agentcoder::tools {
namespace {

using nlohmann::json;

// Reads one tool's options object, checking each key once.
class OptionReader {
 public:
  OptionReader(const json& options, std::string where, std::set<std::string> known)
      : options_(options), where_(std::move(where)), known_(std::move(known)) {
    if (!options_.is_object()) throw InputError(where_ + ": options must be a table");
    for (const auto& [key, value] : options_.items()) {
      if (!known_.count(key)) {
        std::string list;
        for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
        throw InputError(where_ + ": unknown option '" + key + "' (known: " + list + ")");
      }
    }
  }

  void positive(const std::string& key, double* out) const {
    if (!options_.contains(key)) return;
    const json& v = options_[key];
    if (!v.is_number() || !(v.get<double>() > 0) || !std::isfinite(v.get<double>()))
      throw InputError(where_ + "." + key + ": must be a positive number, got " + v.dump());
    *out = v.get<double>();
  }

  template <typename Int>
  void count(const std::string& key, Int* out, double scale = 1) const {
    if (!options_.contains(key)) return;
    const json& v = options_[key];
    double d = v.is_number() ? v.get<double>() : -1;
    if (!v.is_number() || !(d >= 1) || d != std::floor(d) || d > 1e15)
      throw InputError(where_ + "." + key + ": must be a positive integer, got " + v.dump());
    *out = static_cast<Int>(d * scale);
  }

  void text(const std::string& key, std::string* out) const {
    if (!options_.contains(key)) return;
    if (!options_[key].is_string() || options_[key].get<std::string>().empty())
      throw InputError(where_ + "." + key + ": must be a non-empty string, got " + options_[key].dump());
    *out = options_[key].get<std::string>();
  }

 private:
  const json& options_;
  std::string where_;
  std::set<std::string> known_;
};

void read_limits(const OptionReader& r, sandbox::Limits* limits) {
  r.positive("timeout", &limits->wall_seconds);
  r.positive("cpus", &limits->cpus);
  r.count("memory_mb", &limits->memory_bytes, 1024.0 * 1024.0);
  r.count("max_processes", &limits->max_processes);
  r.count("max_output_bytes", &limits->max_output_bytes);
}

const std::set<std::string> kSandboxKeys = {"timeout", "cpus", "memory_mb", "max_processes", "max_output_bytes",
                                            "max_chars"};

std::unique_ptr<Tool> make_tool(const std::string& name, const json& options, const std::string& where,
                                const std::shared_ptr<sandbox::Sandbox>& sandbox) {
  if ((name == "python" || name == "math") && !sandbox)
    throw std::invalid_argument("make_registry: the " + name + " tool needs a sandbox");
  if (name == "python") {
    OptionReader r(options, where, kSandboxKeys);
    PythonToolOptions o;
    read_limits(r, &o.limits);
    r.count("max_chars", &o.max_chars);
    return std::make_unique<PythonTool>(sandbox, o);
  }
  if (name == "math") {
    OptionReader r(options, where, kSandboxKeys);
    MathToolOptions o;
    read_limits(r, &o.limits);
    r.count("max_chars", &o.max_chars);
    return std::make_unique<MathTool>(sandbox, o);
  }
  OptionReader r(options, where, {"index", "k", "max_chars"});
  DocsToolOptions o;
  r.text("index", &o.index);
  r.count("k", &o.k);
  r.count("max_chars", &o.max_chars);
  return std::make_unique<DocsTool>(o);
}

}  // namespace

std::vector<std::string> builtin_tool_names() { return {"python", "math", "docs"}; }

std::unique_ptr<ToolRegistry> make_registry(const ToolsConfig& config, std::shared_ptr<sandbox::Sandbox> sandbox) {
  const std::vector<std::string> known = builtin_tool_names();
  std::string known_list;
  for (const auto& n : known) known_list += (known_list.empty() ? "" : ", ") + n;
  if (!config.options.is_object()) throw InputError(config.where + ": tool options must be a table");
  for (const auto& [name, value] : config.options.items()) {
    bool listed = false;
    for (const auto& n : config.names) listed = listed || n == name;
    if (!listed) throw InputError(config.where + "." + name + ": options for a tool that is not in the list");
  }
  auto registry = std::make_unique<ToolRegistry>();
  for (const auto& name : config.names) {
    bool builtin = false;
    for (const auto& n : known) builtin = builtin || n == name;
    if (!builtin) throw InputError(config.where + ": unknown tool '" + name + "' (known: " + known_list + ")");
    if (registry->find(name)) throw InputError(config.where + ": tool '" + name + "' is listed twice");
    json options = config.options.contains(name) ? config.options[name] : json::object();
    registry->add(make_tool(name, options, config.where + "." + name, sandbox));
  }
  return registry;
}

}  // namespace agentcoder::tools
