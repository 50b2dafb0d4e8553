// Process-wide llama.cpp set-up: backend initialisation (once) and routing of
// llama.cpp's log. By default only llama.cpp errors reach stderr; set
// AGENTCODER_LLAMA_LOG=1 to see everything it prints.
#pragma once

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

namespace agentcoder::models {

// llama.cpp's CPU backend runs its threads through OpenMP, whose idle
// threads spin by default (libgomp: about 300,000 pause instructions before
// they sleep). An engine is idle between decodes whenever its sequences wait
// for tools, and with anything else on the machine (a second run, a build,
// the sandboxed snippets themselves) the spinning threads take the cores the
// work needs: 36 tiny-model episodes took 38.5 s with spinning threads and
// 4.9 s with passive ones beside a loaded machine. So every executable that
// links this file runs with OMP_WAIT_POLICY=passive unless the user set it
// (llama_runtime.cpp re-executes it once at start), and the Python package
// sets it before it loads its extension.
inline constexpr const char* kOpenMpWaitPolicy = "passive";

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
