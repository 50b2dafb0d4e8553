#include "store/variant_resources.h"

#include "store/run_record.h"
#include "utils/errors.h"

namespace agentcoder::store {
namespace {

const nlohmann::json& key(const nlohmann::json& j, const char* name) {
  if (!j.is_object() || !j.contains(name))
    throw InputError(std::string("variant_resources: missing key '") + name + "'");
  return j.at(name);
}

template <typename T>
T number(const nlohmann::json& j, const char* name) {
  const nlohmann::json& v = key(j, name);
  if (!v.is_number()) throw InputError(std::string("variant_resources: '") + name + "' is not a number");
  return v.get<T>();
}

}  // namespace

nlohmann::json to_json(const VariantResources& r) {
  return {{"variant", r.variant},
          {"session_id", r.session_id},
          {"weight_bytes", r.weight_bytes},
          {"peak_rss_bytes", r.peak_rss_bytes},
          {"gpu_bytes", r.gpu_bytes ? nlohmann::json(*r.gpu_bytes) : nlohmann::json(nullptr)},
          {"note", r.note},
          {"episodes", r.episodes},
          {"prompt_tokens", r.prompt_tokens},
          {"generated_tokens", r.generated_tokens},
          {"wall_ms", r.wall_ms}};
}

VariantResources variant_resources_from_json(const nlohmann::json& j) {
  VariantResources r;
  if (!key(j, "variant").is_string() || !key(j, "note").is_string())
    throw InputError("variant_resources: 'variant' and 'note' must be strings");
  r.variant = j["variant"].get<std::string>();
  r.note = j["note"].get<std::string>();
  r.session_id = number<int64_t>(j, "session_id");
  r.weight_bytes = number<uint64_t>(j, "weight_bytes");
  r.peak_rss_bytes = number<uint64_t>(j, "peak_rss_bytes");
  if (!key(j, "gpu_bytes").is_null()) r.gpu_bytes = number<uint64_t>(j, "gpu_bytes");
  r.episodes = number<int64_t>(j, "episodes");
  r.prompt_tokens = number<int64_t>(j, "prompt_tokens");
  r.generated_tokens = number<int64_t>(j, "generated_tokens");
  r.wall_ms = number<double>(j, "wall_ms");
  return r;
}

std::map<std::string, VariantResources> variant_resources(const StoredRun& run) {
  std::map<std::string, VariantResources> out;
  const nlohmann::json& m = run.record.manifest;
  if (!m.is_object() || !m.contains("variant_resources")) return out;
  for (const auto& [name, value] : m["variant_resources"].items()) out[name] = variant_resources_from_json(value);
  return out;
}

}  // namespace agentcoder::store
