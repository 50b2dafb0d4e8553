// Command-line flags shared by every command that loads a model and runs
// the engine: the model path, how to load it, the context and sampling.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "models/engine.h"
#include "models/model.h"
#include "models/sampling_params.h"

namespace agentcoder::cli {

struct EngineFlags {
  models::ModelOptions model;
  models::EngineOptions engine;
  std::vector<std::string> lora;  // PATH[:SCALE]

  void add_model_flags(CLI::App& app);   // MODEL positional (optional: default model), --gpu-layers, --no-mmap
  void add_engine_flags(CLI::App& app);  // --ctx, --threads, --flash-attn, --kv-type, --lora
  // Fills in the default model when none was given; throws InputError if absent.
  void resolve();
};

struct SamplingFlags {
  models::SamplingParams params;
  std::string grammar_file;
  void add(CLI::App& app);
  void resolve();  // reads the grammar file; throws InputError
};

}  // namespace agentcoder::cli
