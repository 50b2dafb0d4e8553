// Re-quantizes a GGUF model to another type through llama.cpp's API, e.g.
// to compare Q8_0 with Q4_K_M on the same task set.
#pragma once

#include <string>
#include <vector>

namespace agentcoder::models {

// Type names accepted by quantize(), as llama-quantize spells them.
std::vector<std::string> quantization_types();

// Throws InputError for a missing input, an unknown type or a failed run.
void quantize(const std::string& input, const std::string& output, const std::string& type, int threads = 0);

}  // namespace agentcoder::models
