#include "adapters/peft_config.h"

#include <cmath>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "utils/errors.h"
#include "utils/files.h"

namespace agentcoder::adapters {
namespace {

namespace fs = std::filesystem;

// A field that changes what the adapter computes in a way llama.cpp's LoRA
// cannot: set (true, or a non-empty list or map) means refuse.
bool is_set(const nlohmann::json& config, const char* key) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return false;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_array() || it->is_object() || it->is_string()) return !it->empty();
  return true;
}

}  // namespace

PeftLora read_peft_lora(const std::string& dir) {
  if (!fs::is_directory(dir)) throw InputError(dir + ": not a directory (expected a PEFT adapter directory)");
  const std::string config_path = dir + "/adapter_config.json";
  const std::string weights_path = dir + "/adapter_model.safetensors";
  if (!fs::exists(config_path)) throw InputError(config_path + ": no such file (not a PEFT adapter directory)");
  if (!fs::exists(weights_path))
    throw InputError(weights_path + ": no such file (PEFT adapters are imported from safetensors only)");
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(read_file(config_path));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(config_path + ": not JSON: " + e.what());
  }
  auto fail = [&](const std::string& field, const std::string& what) {
    throw InputError(config_path + ": field '" + field + "': " + what);
  };
  if (!config.is_object()) throw InputError(config_path + ": not a JSON object");
  std::string type = config.value("peft_type", "");
  if (type != "LORA") fail("peft_type", "'" + type + "' is not LORA");

  PeftLora lora;
  lora.dir = dir;
  auto r = config.find("r");
  if (r == config.end() || !r->is_number_integer() || r->get<int>() < 1) fail("r", "expected a positive integer");
  lora.rank = r->get<int>();
  auto alpha = config.find("lora_alpha");
  if (alpha == config.end() || !alpha->is_number() || !std::isfinite(alpha->get<double>()))
    fail("lora_alpha", "expected a number");
  lora.alpha = alpha->get<double>();
  auto targets = config.find("target_modules");
  if (targets != config.end() && targets->is_string()) {
    lora.target_modules.push_back(targets->get<std::string>());
  } else if (targets != config.end() && targets->is_array()) {
    for (const auto& t : *targets) {
      if (!t.is_string()) fail("target_modules", "expected strings");
      lora.target_modules.push_back(t.get<std::string>());
    }
  } else {
    fail("target_modules", "expected a list of module names or a regex string");
  }
  if (config.contains("base_model_name_or_path") && config["base_model_name_or_path"].is_string())
    lora.base_model = config["base_model_name_or_path"].get<std::string>();

  if (is_set(config, "use_rslora")) fail("use_rslora", "rsLoRA scales by alpha/sqrt(r); llama.cpp scales by alpha/r");
  if (is_set(config, "use_dora")) fail("use_dora", "DoRA is not supported by llama.cpp's LoRA");
  if (is_set(config, "rank_pattern")) fail("rank_pattern", "per-module ranks are not supported (one rank, one alpha)");
  if (is_set(config, "alpha_pattern")) fail("alpha_pattern", "per-module alphas are not supported (one rank, one alpha)");
  if (is_set(config, "modules_to_save"))
    fail("modules_to_save", "fully trained modules are not a LoRA; llama.cpp cannot load them");
  return lora;
}

}  // namespace agentcoder::adapters
