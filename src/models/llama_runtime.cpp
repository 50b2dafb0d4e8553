#include "models/llama_runtime.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "build-info.h"
#include "llama.h"

namespace agentcoder::models {
namespace {

void log_callback(ggml_log_level level, const char* text, void* verbose) {
  if (verbose != nullptr || level == GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
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
  return {{"commit", llama_commit()},
          {"build_number", llama_build_number()},
          {"compiler", llama_compiler()},
          {"gpu_offload", llama_supports_gpu_offload()},
          {"system_info", llama_print_system_info()}};
}

}  // namespace agentcoder::models
