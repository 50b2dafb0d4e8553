// The adapter registry: what the harness knows about each imported adapter,
// by name.
//
// A registry is a directory with one NAME.json per adapter (written
// atomically, so a crash never leaves a half record), by default
// $AGENTCODER_HOME/adapters (AGENTCODER_ADAPTER_REGISTRY overrides it;
// commands take --registry). `agentcoder adapter import` writes the GGUF
// beside its record unless -o puts it elsewhere. A run config's
// `lora = [...]` names an adapter by registry name or by path:
// is_registry_name() tells which.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentcoder::adapters {

struct AdapterRecord {
  std::string name;
  std::string path;    // the GGUF adapter, absolute
  std::string sha256;  // of that file: its identity in episode keys
  std::string base_path;
  std::string base_sha256;
  std::string base_architecture;
  int rank = 0;
  double alpha = 0;
  std::vector<std::string> target_modules;  // PEFT's names, e.g. "q_proj"
  int tensors = 0;                          // base weights it changes
  std::string data_path;                    // the training-data export it came from; "" = not given
  std::string data_sha256;
  std::string peft_dir;   // where it was imported from
  std::string converter;  // e.g. "llama.cpp 80fb11a convert_lora_to_gguf.py (f32)"
  std::string created;    // ISO 8601 UTC

  nlohmann::json to_json() const;
  // Throws InputError naming `where` and the field.
  static AdapterRecord from_json(const nlohmann::json& j, const std::string& where);
};

// Letters, digits, '.', '_' and '-', not starting with '.', not ending in ".gguf".
bool is_valid_name(const std::string& name);
// A run config's lora entry (without :SCALE) names a registered adapter
// when it contains no '/' and does not end in ".gguf"; otherwise it is a path.
bool is_registry_name(const std::string& entry);

class AdapterRegistry {
 public:
  explicit AdapterRegistry(std::string dir);
  // AGENTCODER_ADAPTER_REGISTRY, else $AGENTCODER_HOME/adapters.
  static std::string default_dir();

  const std::string& dir() const { return dir_; }
  std::string record_path(const std::string& name) const { return dir_ + "/" + name + ".json"; }

  // Throws InputError for an invalid name, or one already taken unless replace.
  void add(const AdapterRecord& record, bool replace) const;
  std::vector<AdapterRecord> list() const;  // by name; an empty list when the directory does not exist
  std::optional<AdapterRecord> find(const std::string& name) const;
  AdapterRecord get(const std::string& name) const;  // InputError when absent
  std::optional<AdapterRecord> find_by_sha256(const std::string& sha256) const;

 private:
  std::string dir_;
};

}  // namespace agentcoder::adapters
