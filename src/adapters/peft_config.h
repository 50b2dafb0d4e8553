// A PEFT LoRA adapter directory as saved by peft's save_pretrained():
// adapter_config.json and adapter_model.safetensors.
//
// Only what llama.cpp's LoRA can represent is accepted: one rank and one
// alpha for every module (llama.cpp scales by alpha / rank), no rsLoRA or
// DoRA, no fully trained modules (modules_to_save). Anything else is an
// InputError naming the file and field, so an adapter never imports into
// something that computes differently.
#pragma once

#include <string>
#include <vector>

namespace agentcoder::adapters {

struct PeftLora {
  std::string dir;
  int rank = 0;       // r
  double alpha = 0;   // lora_alpha
  std::vector<std::string> target_modules;  // as configured (a regex string becomes one entry)
  std::string base_model;                   // base_model_name_or_path, "" when absent; informational
};

PeftLora read_peft_lora(const std::string& dir);

}  // namespace agentcoder::adapters
