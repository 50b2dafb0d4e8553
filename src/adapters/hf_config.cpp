#include "adapters/hf_config.h"

#include <cmath>

#include "utils/errors.h"

namespace agentcoder::adapters {
namespace {

struct HfArchitecture {
  const char* gguf;        // general.architecture
  const char* model_type;  // config.json model_type
  const char* class_name;  // config.json architectures[0]: what the converter maps by
};

// Dense decoders whose LoRA tensors llama.cpp's converter maps by name
// (llama also permutes q/k by the head counts below).
constexpr HfArchitecture kArchitectures[] = {
    {"llama", "llama", "LlamaForCausalLM"},
    {"qwen2", "qwen2", "Qwen2ForCausalLM"},
    {"qwen3", "qwen3", "Qwen3ForCausalLM"},
};

int whole(double value, const GgufFacts& base, const std::string& key) {
  if (value != std::floor(value) || value < 1)
    throw InputError(base.path + ": GGUF key '" + base.architecture() + "." + key + "' is not a positive integer");
  return static_cast<int>(value);
}

}  // namespace

const std::vector<std::string>& supported_architectures() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& a : kArchitectures) v.push_back(a.gguf);
    return v;
  }();
  return names;
}

nlohmann::json hf_config_from_gguf(const GgufFacts& base) {
  const std::string arch = base.architecture();
  const HfArchitecture* found = nullptr;
  for (const auto& a : kArchitectures)
    if (arch == a.gguf) found = &a;
  if (found == nullptr) {
    std::string list;
    for (const auto& name : supported_architectures()) list += (list.empty() ? "" : ", ") + name;
    throw InputError(base.path + ": architecture '" + arch + "' is not supported for adapter import (supported: " +
                     list + ")");
  }
  auto number = [&](const std::string& key) { return whole(base.arch_number(key), base, key); };
  const int heads = number("attention.head_count");
  const int kv_heads = base.has(arch + ".attention.head_count_kv") ? number("attention.head_count_kv") : heads;
  const int hidden = number("embedding_length");
  int vocab = 0;
  if (base.has(arch + ".vocab_size")) {
    vocab = number("vocab_size");
  } else if (base.array_lengths.count("tokenizer.ggml.tokens")) {
    vocab = static_cast<int>(base.array_lengths.at("tokenizer.ggml.tokens"));
  } else {
    throw InputError(base.path + ": neither '" + arch + ".vocab_size' nor tokenizer.ggml.tokens in the GGUF");
  }
  nlohmann::json config = {
      {"architectures", {found->class_name}},
      {"model_type", found->model_type},
      {"hidden_size", hidden},
      {"intermediate_size", number("feed_forward_length")},
      {"num_hidden_layers", number("block_count")},
      {"num_attention_heads", heads},
      {"num_key_value_heads", kv_heads},
      {"max_position_embeddings", number("context_length")},
      {"vocab_size", vocab},
      // A GGUF without output.weight reuses the token embeddings.
      {"tie_word_embeddings", base.tensors.count("output.weight") == 0},
  };
  if (base.has(arch + ".attention.layer_norm_rms_epsilon"))
    config["rms_norm_eps"] = base.arch_number("attention.layer_norm_rms_epsilon");
  if (base.has(arch + ".rope.freq_base")) config["rope_theta"] = base.arch_number("rope.freq_base");
  if (base.has(arch + ".attention.key_length")) config["head_dim"] = number("attention.key_length");
  return config;
}

}  // namespace agentcoder::adapters
