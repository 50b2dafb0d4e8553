// A model variant made concrete: the GGUF file that runs (the configured
// file, or its re-quantized copy), the adapters applied to it, and the
// hashes that identify both in episode keys and the run's manifest.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/registry.h"
#include "experiment/run_config.h"
#include "store/episode_key.h"

namespace agentcoder::experiment {

struct Variant {
  ModelVariant config;
  std::string path;    // the GGUF that runs
  std::string sha256;  // of that file; covers the chat template inside it
  std::vector<store::AdapterRef> adapters;
  // Per adapter, its registry record when the registry has its sha256
  // (adapters/registry.h): rank, alpha, target modules, training data.
  std::vector<std::optional<adapters::AdapterRecord>> registered;
};

// Resolves "default" to the harness's default model, checks the file is a
// GGUF, re-quantizes it into <run_dir>/models/ when config.quantize is set
// (once: a finished copy is reused) and hashes the model and its adapters.
// Throws InputError naming a missing or invalid file.
Variant resolve_variant(const ModelVariant& config, const std::string& run_dir);

// The variant as the run's manifest lists it; a registered adapter also
// with its name, rank, alpha, target modules and training data's sha256.
nlohmann::json variant_manifest(const Variant& variant);

}  // namespace agentcoder::experiment
