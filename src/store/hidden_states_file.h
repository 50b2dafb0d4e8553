// The hidden states of a run (`[probe] hidden_layers` in its config): one
// binary file beside results.sqlite, `hidden_states.bin`, one row per free
// episode's first step, keyed by the episode's id. The run's manifest
// references it (manifest "hidden_states": file, layers, dtype). Layout
// (little-endian; documented in src/store/README.md):
//
//   header  "ACHIDDEN" | u32 version (1) | u32 dtype (0 f32, 1 f16) |
//           u32 layer count L | i32 layers[L]
//   row     32 bytes: the episode id (EpisodeKey::id(), SHA-256) as raw bytes |
//           u32 width D (the model's n_embd) | L x D values, layer after layer
//
// Rows are appended as episodes are stored; a row cut short by a crash is
// dropped when the file is opened again. An episode stored without a row
// (a crash between the two writes) simply has none.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentcoder::store {

enum class HiddenDtype : uint32_t { f32 = 0, f16 = 1 };
std::optional<HiddenDtype> parse_hidden_dtype(const std::string& name);  // "f32", "f16"
std::string to_string(HiddenDtype dtype);

inline constexpr const char* kHiddenStatesFile = "hidden_states.bin";

struct HiddenStatesHeader {
  std::vector<int> layers;
  HiddenDtype dtype = HiddenDtype::f32;
};

struct HiddenRow {
  std::string episode_id;     // hex, as EpisodeKey::id()
  int width = 0;              // D
  std::vector<float> values;  // layers.size() x width, layer after layer
};

class HiddenStatesWriter {
 public:
  // Creates the file with its header, or opens an existing one to append;
  // an existing header must say the same layers and dtype (InputError
  // otherwise, naming the file), and a trailing partial row is cut off.
  HiddenStatesWriter(const std::string& path, const HiddenStatesHeader& header);
  ~HiddenStatesWriter();
  HiddenStatesWriter(const HiddenStatesWriter&) = delete;
  HiddenStatesWriter& operator=(const HiddenStatesWriter&) = delete;

  // One row, written and flushed; thread-safe. `values` must hold
  // layers x width values (std::invalid_argument otherwise).
  void append(const std::string& episode_id, const std::vector<float>& values);

 private:
  std::string path_;
  HiddenStatesHeader header_;
  std::FILE* file_ = nullptr;
  std::mutex mutex_;
};

struct HiddenStates {
  HiddenStatesHeader header;
  std::vector<HiddenRow> rows;  // in file order; an id written twice keeps its last row
};

// Throws InputError naming the file for a missing or malformed file; a
// trailing partial row is ignored.
HiddenStates read_hidden_states(const std::string& path);

// The manifest's "hidden_states" entry of a run that keeps them in
// kHiddenStatesFile beside its results file: {file, layers, dtype}.
nlohmann::json hidden_states_manifest(const std::vector<int>& layers, const std::string& dtype);

// The hidden-states file of a stored run whose manifest has "hidden_states":
// beside the results file `results` (a file or its directory), under the
// name the manifest gives.
std::string hidden_states_path(const std::string& results, const nlohmann::json& manifest);

}  // namespace agentcoder::store
