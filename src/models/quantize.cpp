#include "models/quantize.h"

#include <utility>

#include "llama.h"
#include "models/llama_runtime.h"
#include "models/model.h"
#include "utils/errors.h"

namespace agentcoder::models {
namespace {

const std::vector<std::pair<std::string, llama_ftype>>& type_table() {
  static const std::vector<std::pair<std::string, llama_ftype>> table = {
      {"F32", LLAMA_FTYPE_ALL_F32},       {"F16", LLAMA_FTYPE_MOSTLY_F16},     {"BF16", LLAMA_FTYPE_MOSTLY_BF16},
      {"Q8_0", LLAMA_FTYPE_MOSTLY_Q8_0},  {"Q6_K", LLAMA_FTYPE_MOSTLY_Q6_K},    {"Q5_K_M", LLAMA_FTYPE_MOSTLY_Q5_K_M},
      {"Q5_K_S", LLAMA_FTYPE_MOSTLY_Q5_K_S}, {"Q5_1", LLAMA_FTYPE_MOSTLY_Q5_1}, {"Q5_0", LLAMA_FTYPE_MOSTLY_Q5_0},
      {"Q4_K_M", LLAMA_FTYPE_MOSTLY_Q4_K_M}, {"Q4_K_S", LLAMA_FTYPE_MOSTLY_Q4_K_S},
      {"Q4_1", LLAMA_FTYPE_MOSTLY_Q4_1},  {"Q4_0", LLAMA_FTYPE_MOSTLY_Q4_0},    {"Q3_K_L", LLAMA_FTYPE_MOSTLY_Q3_K_L},
      {"Q3_K_M", LLAMA_FTYPE_MOSTLY_Q3_K_M}, {"Q3_K_S", LLAMA_FTYPE_MOSTLY_Q3_K_S},
      {"Q2_K", LLAMA_FTYPE_MOSTLY_Q2_K},  {"IQ4_NL", LLAMA_FTYPE_MOSTLY_IQ4_NL},
  };
  return table;
}

}  // namespace

std::vector<std::string> quantization_types() {
  std::vector<std::string> names;
  for (const auto& [name, type] : type_table()) names.push_back(name);
  return names;
}

void quantize(const std::string& input, const std::string& output, const std::string& type, int threads) {
  check_gguf_file(input);
  const llama_ftype* ftype = nullptr;
  for (const auto& [name, t] : type_table())
    if (name == type) ftype = &t;
  if (ftype == nullptr) {
    std::string known;
    for (const auto& n : quantization_types()) known += (known.empty() ? "" : ", ") + n;
    throw InputError("unknown quantization type '" + type + "' (" + known + ")");
  }
  ensure_llama_backend();
  llama_model_quantize_params params = llama_model_quantize_default_params();
  params.ftype = *ftype;
  params.nthread = threads;
  params.allow_requantize = true;  // GGUF files people have are usually quantized already
  if (llama_model_quantize(input.c_str(), output.c_str(), &params) != 0)
    throw InputError(input + ": quantization to " + type + " failed (see llama.cpp's message above)");
}

}  // namespace agentcoder::models
