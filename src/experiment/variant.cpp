#include "experiment/variant.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "models/lora.h"
#include "models/model.h"
#include "models/quantize.h"
#include "utils/paths.h"
#include "utils/sha256.h"

namespace agentcoder::experiment {
namespace {

namespace fs = std::filesystem;

std::string model_file(const ModelVariant& v, const std::string& run_dir) {
  std::string path = v.path == "default" ? default_model_path() : v.path;
  models::check_gguf_file(path);
  if (v.quantize.empty()) return path;
  std::string out = run_dir + "/models/" + fs::path(path).stem().string() + "." + v.quantize + ".gguf";
  if (!fs::exists(out)) {
    fs::create_directories(run_dir + "/models");
    std::fprintf(stderr, "quantizing %s to %s\n", path.c_str(), v.quantize.c_str());
    // Shards of one run may quantize at once: each into its own file, and
    // the rename makes one of the identical copies the model.
    const std::string partial = out + ".tmp." + std::to_string(getpid());
    models::quantize(path, partial, v.quantize);
    fs::rename(partial, out);  // a killed quantization leaves no file that looks finished
  }
  return out;
}

}  // namespace

Variant resolve_variant(const ModelVariant& config, const std::string& run_dir) {
  Variant v{config, model_file(config, run_dir), "", {}, {}};
  v.sha256 = sha256_file_hex(v.path);
  const adapters::AdapterRegistry registry(adapters::AdapterRegistry::default_dir());
  for (const auto& spec_text : config.lora) {
    auto spec = models::LoraSpec::parse(spec_text);
    v.adapters.push_back({spec.path, sha256_file_hex(spec.path), spec.scale});
    v.registered.push_back(registry.find_by_sha256(v.adapters.back().sha256));
  }
  return v;
}

nlohmann::json variant_manifest(const Variant& v) {
  nlohmann::json adapters = nlohmann::json::array();
  for (size_t i = 0; i < v.adapters.size(); ++i) {
    const auto& a = v.adapters[i];
    nlohmann::json entry = {{"path", a.path}, {"sha256", a.sha256}, {"scale", a.scale}};
    if (i < v.registered.size() && v.registered[i]) {
      const adapters::AdapterRecord& r = *v.registered[i];
      entry["registered"] = {{"name", r.name},
                             {"rank", r.rank},
                             {"alpha", r.alpha},
                             {"target_modules", r.target_modules},
                             {"base_sha256", r.base_sha256},
                             {"data_sha256", r.data_sha256.empty() ? nlohmann::json() : nlohmann::json(r.data_sha256)}};
    }
    adapters.push_back(entry);
  }
  return {{"name", v.config.name}, {"path", v.path}, {"sha256", v.sha256}, {"adapters", adapters}};
}

}  // namespace agentcoder::experiment
