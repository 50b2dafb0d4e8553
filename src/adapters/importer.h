// `agentcoder adapter import`: a PEFT LoRA directory into a GGUF LoRA for
// a given base model, checked and registered.
//
// Steps: read and vet the PEFT config (peft_config.h); derive the base's
// Hugging Face config.json from its GGUF (hf_config.h) into a temporary
// directory; run llama.cpp's own convert_lora_to_gguf.py from the pinned
// source tree with the project's Python environment
// ($AGENTCODER_HOME/venv, scripts/setup_python.sh), offline; check the
// result fits the base (adapter_fit.h) and load it through llama.cpp
// against the base (models/lora.h); only then move it to its place and
// write the registry record. A failure leaves neither file.
#pragma once

#include <string>

#include "adapters/registry.h"

namespace agentcoder::adapters {

struct ImportOptions {
  std::string peft_dir;
  std::string base_path;     // the GGUF model the adapter is for
  std::string name;          // "" = the PEFT directory's name
  std::string out_path;      // "" = <registry>/<name>.gguf
  std::string data_path;     // the training-data export it was trained on; "" = not given
  std::string registry_dir;  // "" = AdapterRegistry::default_dir()
  std::string outtype = "f32";  // f32 | f16 | bf16 | q8_0: the converter's --outtype
  bool replace = false;      // overwrite a registered adapter of the same name, and the output file
};

// Where the converter and its Python live (for messages and tests).
std::string converter_script();

// Throws InputError for bad input (a missing or non-PEFT directory, a base
// that is not a GGUF or of an unsupported architecture, an adapter that
// does not fit, a name taken) and std::runtime_error when the environment
// is missing or the converter fails for another reason.
AdapterRecord import_peft_adapter(const ImportOptions& options);

}  // namespace agentcoder::adapters
