// The Hugging Face config.json of a GGUF model, derived from its metadata.
//
// llama.cpp's LoRA converter needs the base model's HF config (the
// architecture, layer count and head counts that map and permute the
// adapter's tensors); nothing may be fetched from a model hub, so it is
// rebuilt from the GGUF the adapter is for. Only the architectures listed
// in supported_architectures() are derived; any other is an InputError.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/gguf_facts.h"

namespace agentcoder::adapters {

// GGUF architecture names, e.g. "llama", "qwen2".
const std::vector<std::string>& supported_architectures();

// Throws InputError naming the file for an unsupported architecture or a
// missing key.
nlohmann::json hf_config_from_gguf(const GgufFacts& base);

}  // namespace agentcoder::adapters
