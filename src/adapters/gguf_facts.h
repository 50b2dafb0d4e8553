// What a GGUF file says about itself without loading weights: its scalar
// metadata, the lengths of its array metadata and the shape of every
// tensor. The adapter import derives the base's Hugging Face config from it
// and checks an adapter's tensors against the base's.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentcoder::adapters {

struct GgufFacts {
  std::string path;
  nlohmann::json metadata = nlohmann::json::object();  // scalar keys: number, bool or string
  std::map<std::string, uint64_t> array_lengths;       // array keys, e.g. tokenizer.ggml.tokens
  std::map<std::string, std::vector<int64_t>> tensors;  // name -> ne (ggml order: ne[0] is the row length)

  // general.architecture; throws InputError naming the file when absent.
  std::string architecture() const;
  // The metadata value of "<architecture>.<suffix>" as a number; throws
  // InputError naming the file and key when absent or not a number.
  double arch_number(const std::string& suffix) const;
  bool has(const std::string& key) const { return metadata.contains(key); }
};

// Throws InputError when the file is missing or not a readable GGUF.
GgufFacts read_gguf_facts(const std::string& path);

// "[64, 4]", for messages.
std::string shape_text(const std::vector<int64_t>& ne);

}  // namespace agentcoder::adapters
