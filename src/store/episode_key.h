// The identity of an episode: everything that, if changed, could change what
// the model does. Resume skips an episode only when a stored one has the same
// id(), so a run whose config changed (another model file, adapter, prompt,
// mode, seed, tool set or sampling) never reuses a stale episode.
//
// id() is the SHA-256 (hex) of canonical_json(): keys sorted, no spaces,
// tool names sorted, a key_version field. It is the same on every machine and
// in every run; changing what goes into it needs a new key_version. The one
// exception is a field absent at its old value: `sample` enters only when
// > 0, so every key stored before it keeps its id (and a one-sample run
// resumes as sample 0 of a K-sample one).
//
// validate() throws InputError naming the field at fault: task_id, mode
// must be set; sample must be >= 0; model_sha256 and every adapter's sha256 must be 64 lowercase
// hex digits; the other hashes must be empty or 64 hex digits; text must be
// valid UTF-8.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentcoder::store {

struct AdapterRef {
  std::string path;    // where it was loaded from; shown, not part of the id
  std::string sha256;  // the adapter file's content: this is its identity
  double scale = 1.0;

  bool operator==(const AdapterRef&) const = default;
};

struct EpisodeKey {
  std::string task_id;
  std::string task_sha256;   // the whole task (data::task_to_json): prompt, answer, tests; "" = not tracked
  std::string model_sha256;  // the GGUF file
  std::vector<AdapterRef> adapters;  // in the order applied; empty = base model
  std::string prompt_format;         // e.g. "direct", "cot", "tool_description"
  // The rendered first turn (agent::first_turn(): the model's chat template
  // over the system prompt, tool descriptions and task, plus any prefill);
  // "" = not tracked.
  std::string prompt_sha256;
  std::string mode;                  // "free", "force_tool" or "force_text"
  uint64_t seed = 0;
  // Which of a run's repeated samples (RunConfig::samples) this is; they
  // differ in seed too, but two samples are two episodes even if their
  // seeds met. 0 for the first sample and in keys stored before samples.
  int sample = 0;
  std::vector<std::string> tools;  // names of the offered tools (any order)
  std::string tool_schema_sha256;  // their JSON schemas as offered; "" = not tracked
  // What the harness does in code after the first turn (malformed-call
  // message, tool result wrapping, parser repairs): agent::kHarnessBehaviourVersion.
  // 0 in keys stored before it existed.
  int harness_version = 0;
  // Anything else that changes the outcome: sampling, step and token limits,
  // sandbox limits. Any JSON; null when nothing.
  nlohmann::json settings;

  bool operator==(const EpisodeKey&) const = default;

  void validate() const;
  nlohmann::json canonical_json() const;
  std::string id() const;
};

// Every field, adapter paths included (what the store keeps and exports).
nlohmann::json episode_key_to_json(const EpisodeKey& key);
// Throws InputError naming the field when `j` is not a key.
EpisodeKey episode_key_from_json(const nlohmann::json& j);

}  // namespace agentcoder::store
