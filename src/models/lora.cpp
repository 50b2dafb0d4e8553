#include "models/lora.h"

#include <cstdlib>

#include "llama.h"
#include "models/model.h"
#include "utils/errors.h"

namespace agentcoder::models {

LoraSpec LoraSpec::parse(const std::string& text) {
  LoraSpec spec;
  spec.path = text;
  size_t colon = text.rfind(':');
  if (colon != std::string::npos && colon + 1 < text.size()) {
    std::string tail = text.substr(colon + 1);
    char* end = nullptr;
    float scale = std::strtof(tail.c_str(), &end);
    if (end != nullptr && *end == '\0') {
      spec.path = text.substr(0, colon);
      spec.scale = scale;
    }
  }
  if (spec.path.empty()) throw InputError("--lora '" + text + "': expected PATH or PATH:SCALE");
  return spec;
}

LoraAdapter::LoraAdapter(const Model& model, const std::string& path) : path_(path) {
  check_gguf_file(path);
  adapter_ = llama_adapter_lora_init(model.get(), path.c_str());
  if (adapter_ == nullptr) throw InputError(path + ": not a LoRA adapter for this model");
}

LoraAdapter::~LoraAdapter() { llama_adapter_lora_free(adapter_); }

float LoraAdapter::alpha() const {
  char buffer[64];
  if (llama_adapter_meta_val_str(adapter_, "adapter.lora.alpha", buffer, sizeof buffer) < 0) return 0.0f;
  return std::strtof(buffer, nullptr);
}

}  // namespace agentcoder::models
