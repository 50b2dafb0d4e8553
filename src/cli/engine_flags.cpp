#include "cli/engine_flags.h"

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "utils/errors.h"
#include "utils/paths.h"
#include "utils/files.h"

namespace agentcoder::cli {

void EngineFlags::add_model_flags(CLI::App& app) {
  app.add_option("model", model.path, "GGUF model file (default: the harness's default model)");
  app.add_option("--gpu-layers", model.gpu_layers, "Layers to offload to the GPU (-1 = all; needs a CUDA build)")
      ->check(CLI::Range(-1, std::numeric_limits<int>::max()))
      ->capture_default_str();
  app.add_flag("!--no-mmap", model.use_mmap, "Read the model into memory instead of mapping it");
}

void EngineFlags::add_engine_flags(CLI::App& app) {
  app.add_option("--ctx", engine.context_size, "KV-cache size in tokens")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--threads", engine.threads, "CPU threads (0 = all cores)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--flash-attn", engine.flash_attention, "Flash attention")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str();
  app.add_option("--kv-type", engine.kv_type, "KV-cache type")
      ->check(CLI::IsMember(models::kv_cache_types()))
      ->capture_default_str();
  app.add_option("--lora", lora, "LoRA adapter, PATH or PATH:SCALE (repeatable)");
}

void EngineFlags::resolve() {
  if (model.path.empty()) {
    model.path = default_model_path();
    if (!std::filesystem::exists(model.path))
      throw InputError("no model given and the default model is missing at " + model.path +
                       " (run scripts/setup.sh, or pass a GGUF file)");
  }
}

void SamplingFlags::add(CLI::App& app) {
  app.add_option("--max-tokens", params.max_tokens, "Most tokens to generate")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--temperature", params.temperature, "Sampling temperature (0 = greedy)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--top-p", params.top_p, "Nucleus sampling (1 = off)")->check(CLI::Range(0.0, 1.0))->capture_default_str();
  app.add_option("--top-k", params.top_k, "Top-k sampling (0 = off)")->check(CLI::NonNegativeNumber)->capture_default_str();
  app.add_option("--min-p", params.min_p, "Min-p sampling (0 = off)")->check(CLI::Range(0.0, 1.0))->capture_default_str();
  app.add_option("--seed", params.seed, "Sampling seed")->capture_default_str();
  app.add_option("--stop", params.stop, "Stop string (repeatable)");
  app.add_option("--grammar", grammar_file, "GBNF grammar file constraining the output");
}

void SamplingFlags::resolve() {
  if (!grammar_file.empty()) params.grammar = read_file(grammar_file);
}

}  // namespace agentcoder::cli
