// Process-wide llama.cpp set-up: backend initialisation (once) and routing of
// llama.cpp's log. By default only llama.cpp errors reach stderr; set
// AGENTCODER_LLAMA_LOG=1 to see everything it prints.
#pragma once

#include <nlohmann/json.hpp>

namespace agentcoder::models {

// Safe to call from any thread, any number of times.
void ensure_llama_backend();

// llama.cpp's commit, build number and the CPU/GPU features it was built
// with, for the run manifest.
nlohmann::ordered_json llama_manifest();

}  // namespace agentcoder::models
