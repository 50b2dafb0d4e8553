// An experiment, read from TOML (experiments/baseline.toml is the default):
// which models (each a variant: file, quantization, adapters), which tasks,
// prompt formats, modes and tools, and the limits of the agent, the engine
// and the sandbox. Every combination of model x format x mode is run on
// every selected task.
//
// Relative paths in the file (data.tasks, agent.prompts, a model's path and
// adapters, tools_options.docs.index) are from the config file's folder, so a config runs the same from
// any current directory; the fields hold them resolved.
//
// load_run_config throws InputError "FILE:LINE: [section] key: why" for a
// key it does not know (a misspelling must not run with the default), a
// value of the wrong type or range, and a missing required key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sandbox/sandbox.h"
#include "utils/vocabulary.h"

namespace agentcoder::experiment {

struct ModelVariant {
  std::string name;        // short label used in results
  std::string path;        // GGUF file; "default" = the harness's default model
  std::string quantize;    // optional: re-quantize to this type first (cached beside the results)
  // PATH[:SCALE] or NAME[:SCALE] adapters; a NAME (no '/', no .gguf) is
  // looked up in the adapter registry (adapters/registry.h) when loaded,
  // so after load_run_config every entry is a path.
  std::vector<std::string> lora;
  int gpu_layers = 0;
};

struct RunConfig {
  std::string file;  // where it was read from
  std::string text;  // the TOML as written, stored with the run
  std::string name;
  uint32_t seed = 1;
  // Repeated samples: this many episodes per task and condition, sample i
  // with the seed sample_seed(seed, i) (plan.h). More than one needs
  // temperature > 0: greedy decoding would give K copies of one episode.
  int samples = 1;

  // Tasks: a JSONL file; if missing and generate_per_cell > 0, generated with
  // the synthetic generator (seed data_seed) first.
  std::string tasks;
  std::string split;       // "" = every split
  int per_cell = 0;        // at most this many tasks per category x difficulty (0 = all), chosen by seed
  int generate_per_cell = 0;
  uint32_t data_seed = 1;

  std::vector<ModelVariant> models;
  std::vector<std::string> formats;
  std::vector<Mode> modes;
  std::vector<std::string> tools;
  // [tools_options.<tool>]: that tool's options (tools/tool_config.h), e.g.
  // the docs index or max_chars; for python and math over the [sandbox] limits.
  nlohmann::json tools_options = nlohmann::json::object();
  std::string prompts_dir = "prompts";  // agent.prompts: <name>.txt per format

  int max_steps = 4;
  int max_tokens = 768;
  int max_tokens_per_step = 384;
  float temperature = 0;
  bool fenced_code_is_call = true;
  // "auto": tools in the template's own format where it renders tools, else
  // the harness's convention; "harness": the harness's convention always
  // (an ablation of the format itself).
  std::string tool_format = "auto";
  // Harness format: a file whose text replaces the built-in tool
  // instructions and tool list, for ablations of their wording; "" = built-in.
  std::string tool_instructions;
  // How force_tool starts the reply (agent::ForcedCallForm): "auto" (a fenced
  // python block where fenced code is a call, else the call opener),
  // "call_opener" or "fenced_code".
  std::string force_tool_prefill = "auto";

  int parallel = 8;
  int context_per_sequence = 2048;
  int threads = 0;
  std::string kv_type = "f16";  // one of models::kv_cache_types(); part of the episodes' keys

  // The sandbox's own defaults (sandbox::Limits) unless the config says.
  double sandbox_timeout = sandbox::Limits{}.wall_seconds;
  int sandbox_memory_mb = static_cast<int>(sandbox::Limits{}.memory_bytes >> 20);
  double sandbox_cpus = sandbox::Limits{}.cpus;

  // [probe]: the blocks (0 = the first) whose output at the prompt's last
  // token is kept for every free episode's first step, in
  // <run>/hidden_states.bin (store/hidden_states_file.h); empty: none. Each
  // must be a layer of every model (checked by plan(), which names
  // hidden_layers_place, "FILE:LINE: [probe] hidden_layers").
  std::vector<int> hidden_layers;
  std::string hidden_layers_place;
  std::string hidden_dtype = "f32";  // f32 | f16
};

RunConfig load_run_config(const std::string& path);
// The same on TOML already read; `path` names it in errors and is where
// relative paths are from.
RunConfig parse_run_config(const std::string& text, const std::string& path);

}  // namespace agentcoder::experiment
