#include "models/llama_runtime.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include "build-info.h"
#include "ggml-backend.h"
#include "llama.h"

namespace agentcoder::models {
namespace {

void log_callback(ggml_log_level level, const char* text, void* verbose) {
  if (verbose != nullptr || level == GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
}

}  // namespace

// Defined (true) only by the Python extension (python/src/module.cpp): a
// process that is python must never be re-executed.
extern "C" {
__attribute__((weak)) extern const bool agentcoder_python_module;
}

namespace {

// Passive OpenMP threads (kOpenMpWaitPolicy in llama_runtime.h says why).
// libgomp reads OMP_WAIT_POLICY in its own constructor, which runs before any
// of this executable's, so setting it here only takes effect in a fresh
// image: the executable re-executes itself once with it set. A value the
// user set is kept. Priority 102: after the sandbox launcher's hook (101),
// which takes over a re-executed launcher and never returns.
__attribute__((constructor(102))) void reexec_with_passive_openmp() {
  if (&agentcoder_python_module != nullptr || std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (cmdline.empty()) return;
  std::vector<char*> argv;
  for (size_t at = 0; at < cmdline.size(); at = cmdline.find('\0', at) + 1) argv.push_back(&cmdline[at]);
  argv.push_back(nullptr);
  setenv("OMP_WAIT_POLICY", kOpenMpWaitPolicy, 1);
  execv("/proc/self/exe", argv.data());
  // Not re-executed (no /proc): run on with llama.cpp's spinning threads.
}

}  // namespace

void ensure_llama_backend() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* env = std::getenv("AGENTCODER_LLAMA_LOG");
    static int verbose_flag = 1;
    void* verbose = (env != nullptr && env[0] == '1') ? &verbose_flag : nullptr;
    llama_log_set(log_callback, verbose);
    llama_backend_init();
  });
}

nlohmann::ordered_json llama_manifest() {
  ensure_llama_backend();
  // Every compute device llama.cpp sees (CPU, and GPUs with their memory):
  // a GPU figure means nothing without the card it came from.
  nlohmann::ordered_json devices = nlohmann::ordered_json::array();
  for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
    ggml_backend_dev_t dev = ggml_backend_dev_get(i);
    size_t free_bytes = 0, total_bytes = 0;
    ggml_backend_dev_memory(dev, &free_bytes, &total_bytes);
    devices.push_back({{"name", ggml_backend_dev_name(dev)},
                       {"description", ggml_backend_dev_description(dev)},
                       {"memory_total_mb", total_bytes / (1024 * 1024)}});
  }
  return {{"commit", llama_commit()},
          {"build_number", llama_build_number()},
          {"compiler", llama_compiler()},
          {"gpu_offload", llama_supports_gpu_offload()},
          {"devices", devices},
          {"system_info", llama_print_system_info()}};
}

std::optional<uint64_t> gpu_free_bytes() {
  ensure_llama_backend();
  std::optional<uint64_t> free_sum;
  for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
    ggml_backend_dev_t dev = ggml_backend_dev_get(i);
    enum ggml_backend_dev_type type = ggml_backend_dev_type(dev);
    if (type != GGML_BACKEND_DEVICE_TYPE_GPU && type != GGML_BACKEND_DEVICE_TYPE_IGPU) continue;
    size_t free_bytes = 0, total_bytes = 0;
    ggml_backend_dev_memory(dev, &free_bytes, &total_bytes);
    free_sum = free_sum.value_or(0) + free_bytes;
  }
  return free_sum;
}

}  // namespace agentcoder::models
