// What one model variant of a run used while it ran: the model's weight
// memory, the process's peak RSS, GPU memory, and the variant's aggregate
// token counts and time for the engine's throughput. Measured by the process
// that ran the variant (experiment/runner.cpp) and kept in the run's
// manifest (runs.manifest_json) under "variant_resources".<variant name>,
// so the results schema is unchanged.
//
// A resumed run that runs a variant again replaces its figures with the
// latest process's: the peak and the counts then cover that process only,
// and `note` says so. Runs stored before these were measured have none.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace agentcoder::store {

struct StoredRun;

struct VariantResources {
  std::string variant;
  int64_t session_id = 0;     // the process (results session) that measured them
  uint64_t weight_bytes = 0;  // llama_model_size: the model's tensors (adapters not included)
  // VmHWM of the process from the variant's model load to its last episode
  // (the high-water mark is reset before the load); see note.
  uint64_t peak_rss_bytes = 0;
  // GPU memory the variant took: the drop in the GPUs' free memory from
  // before the model load to after the engine was made; nullopt without a GPU.
  std::optional<uint64_t> gpu_bytes;
  // What the figures cover, in words (e.g. that the peak could not be reset
  // and covers the whole process, or that a resumed run measured only its
  // latest process).
  std::string note;
  // The variant's episodes in that process: how many, their tokens, and the
  // wall time from the first submitted to the last finished.
  int64_t episodes = 0;
  int64_t prompt_tokens = 0;
  int64_t generated_tokens = 0;
  double wall_ms = 0;

  bool operator==(const VariantResources&) const = default;
};

nlohmann::json to_json(const VariantResources& r);
// Strict: throws InputError naming the missing or mistyped key.
VariantResources variant_resources_from_json(const nlohmann::json& j);

// The run's stored figures by variant name; empty when none were stored.
std::map<std::string, VariantResources> variant_resources(const StoredRun& run);

}  // namespace agentcoder::store
