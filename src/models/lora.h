// A LoRA adapter in GGUF form, loaded against a base model.
//
// The adapter belongs to the model it was loaded for and must not outlive
// it. Apply it to an Engine with Engine::set_adapters (scale 0 removes it);
// several can be active at once, each with its own scale.
#pragma once

#include <string>

struct llama_adapter_lora;

namespace agentcoder::models {

class Model;

// "PATH" or "PATH:SCALE" as given on the command line (--lora).
struct LoraSpec {
  std::string path;
  float scale = 1.0f;
  static LoraSpec parse(const std::string& text);  // throws InputError
};

class LoraAdapter {
 public:
  // Throws InputError when the file is missing or does not fit the model.
  LoraAdapter(const Model& model, const std::string& path);
  ~LoraAdapter();
  LoraAdapter(const LoraAdapter&) = delete;
  LoraAdapter& operator=(const LoraAdapter&) = delete;

  llama_adapter_lora* get() const { return adapter_; }
  const std::string& path() const { return path_; }
  float alpha() const;  // adapter.lora.alpha, 0 when absent

 private:
  std::string path_;
  llama_adapter_lora* adapter_ = nullptr;
};

}  // namespace agentcoder::models
