// Process-wide llama.cpp set-up: backend initialisation (once) and routing of
// llama.cpp's log. By default only llama.cpp errors reach stderr; set
// AGENTCODER_LLAMA_LOG=1 to see everything it prints.
#pragma once

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

namespace agentcoder::models {

// Safe to call from any thread, any number of times.
void ensure_llama_backend();

// llama.cpp's commit, build number and the CPU/GPU features it was built
// with, for the run manifest.
nlohmann::ordered_json llama_manifest();

// Free memory summed over the GPUs llama.cpp sees (ggml's device memory
// query); nullopt when it sees none (a CPU build or a machine without one).
// The figure is device-wide: other processes on the same card move it too.
std::optional<uint64_t> gpu_free_bytes();

}  // namespace agentcoder::models
