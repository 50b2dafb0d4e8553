// Whether a GGUF LoRA adapter fits a base model, checked from the two
// files' metadata and tensor shapes with the rules llama.cpp applies when
// it loads an adapter (llama_adapter_lora_init), so a misfit is named
// precisely: which tensor, which shape. Loading it through llama.cpp
// against the base (models/lora.h) remains the final check.
#pragma once

#include <string>
#include <vector>

#include "adapters/gguf_facts.h"

namespace agentcoder::adapters {

struct AdapterFit {
  std::string architecture;
  int rank = 0;
  double alpha = 0;                        // adapter.lora.alpha
  std::vector<std::string> base_tensors;   // the base weights it changes, e.g. "blk.0.attn_q.weight"
};

// Throws InputError naming the adapter file and the first misfit: not an
// adapter, not a LoRA, another architecture, a tensor the base lacks, a
// shape that does not fit, ranks that differ, an unpaired lora_a or lora_b.
AdapterFit check_adapter_fits(const GgufFacts& adapter, const GgufFacts& base);

}  // namespace agentcoder::adapters
