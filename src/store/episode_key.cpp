#include "store/episode_key.h"

#include <algorithm>

#include "utils/utf8.h"
#include "utils/errors.h"
#include "utils/sha256.h"

namespace agentcoder::store {
namespace {

// Bump when the fields that make up an id change; old ids then never match.
constexpr int kKeyVersion = 2;  // 2: harness_version; prompt_sha256 is the rendered first turn

bool is_sha256_hex(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

void check_text(const std::string& field, const std::string& value) {
  if (!is_valid_utf8(value)) throw InputError("episode key: field '" + field + "': not valid UTF-8");
}

void check_hash(const std::string& field, const std::string& value, bool required) {
  if (value.empty() && !required) return;
  if (!is_sha256_hex(value))
    throw InputError("episode key: field '" + field + "': expected 64 lowercase hex digits (SHA-256), got '" +
                     value.substr(0, 80) + "'");
}

}  // namespace

void EpisodeKey::validate() const {
  if (task_id.empty()) throw InputError("episode key: field 'task_id': empty");
  if (mode.empty()) throw InputError("episode key: field 'mode': empty");
  if (sample < 0) throw InputError("episode key: field 'sample': negative (" + std::to_string(sample) + ")");
  check_text("task_id", task_id);
  check_text("prompt_format", prompt_format);
  check_text("mode", mode);
  check_hash("model_sha256", model_sha256, true);
  check_hash("task_sha256", task_sha256, false);
  check_hash("prompt_sha256", prompt_sha256, false);
  check_hash("tool_schema_sha256", tool_schema_sha256, false);
  for (size_t i = 0; i < adapters.size(); ++i) {
    check_text("adapters[" + std::to_string(i) + "].path", adapters[i].path);
    check_hash("adapters[" + std::to_string(i) + "].sha256", adapters[i].sha256, true);
  }
  for (size_t i = 0; i < tools.size(); ++i) check_text("tools[" + std::to_string(i) + "]", tools[i]);
  try {
    (void)settings.dump();  // throws on invalid UTF-8 inside
  } catch (const nlohmann::json::exception&) {
    throw InputError("episode key: field 'settings': not valid UTF-8");
  }
}

nlohmann::json EpisodeKey::canonical_json() const {
  // nlohmann::json keeps object keys sorted, so dump() is canonical.
  nlohmann::json adapter_list = nlohmann::json::array();
  for (const AdapterRef& a : adapters) adapter_list.push_back({{"sha256", a.sha256}, {"scale", a.scale}});
  std::vector<std::string> sorted_tools = tools;
  std::sort(sorted_tools.begin(), sorted_tools.end());
  nlohmann::json j = {{"key_version", kKeyVersion},
          {"task_id", task_id},
          {"task_sha256", task_sha256},
          {"model_sha256", model_sha256},
          {"adapters", adapter_list},
          {"prompt_format", prompt_format},
          {"prompt_sha256", prompt_sha256},
          {"mode", mode},
          {"seed", seed},
          {"tools", sorted_tools},
          {"tool_schema_sha256", tool_schema_sha256},
          {"harness_version", harness_version},
          {"settings", settings}};
  if (sample > 0) j["sample"] = sample;  // absent at 0: ids from before samples stay as they were
  return j;
}

std::string EpisodeKey::id() const {
  validate();
  return sha256_hex(canonical_json().dump());
}

nlohmann::json episode_key_to_json(const EpisodeKey& key) {
  nlohmann::json adapter_list = nlohmann::json::array();
  for (const AdapterRef& a : key.adapters)
    adapter_list.push_back({{"path", a.path}, {"sha256", a.sha256}, {"scale", a.scale}});
  return {{"task_id", key.task_id},
          {"task_sha256", key.task_sha256},
          {"model_sha256", key.model_sha256},
          {"adapters", adapter_list},
          {"prompt_format", key.prompt_format},
          {"prompt_sha256", key.prompt_sha256},
          {"mode", key.mode},
          {"seed", key.seed},
          {"sample", key.sample},
          {"tools", key.tools},
          {"tool_schema_sha256", key.tool_schema_sha256},
          {"harness_version", key.harness_version},
          {"settings", key.settings}};
}

EpisodeKey episode_key_from_json(const nlohmann::json& j) {
  try {
    EpisodeKey key;
    key.task_id = j.at("task_id").get<std::string>();
    key.task_sha256 = j.at("task_sha256").get<std::string>();
    key.model_sha256 = j.at("model_sha256").get<std::string>();
    for (const auto& a : j.at("adapters"))
      key.adapters.push_back({a.at("path").get<std::string>(), a.at("sha256").get<std::string>(),
                              a.at("scale").get<double>()});
    key.prompt_format = j.at("prompt_format").get<std::string>();
    key.prompt_sha256 = j.at("prompt_sha256").get<std::string>();
    key.mode = j.at("mode").get<std::string>();
    key.seed = j.at("seed").get<uint64_t>();
    key.sample = j.value("sample", 0);  // absent in keys stored before repeated samples
    key.tools = j.at("tools").get<std::vector<std::string>>();
    key.tool_schema_sha256 = j.at("tool_schema_sha256").get<std::string>();
    key.harness_version = j.value("harness_version", 0);  // absent in keys stored before version 2
    key.settings = j.at("settings");
    return key;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("episode key: ") + e.what());
  }
}

}  // namespace agentcoder::store
