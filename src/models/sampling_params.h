// How the next token is chosen, and when a generation stops.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace agentcoder::models {

struct SamplingParams {
  float temperature = 0.0f;  // <= 0 means greedy (argmax), deterministic
  float top_p = 1.0f;        // 1 = off
  int top_k = 0;             // 0 = off
  float min_p = 0.0f;        // 0 = off
  uint32_t seed = 0;         // RNG seed when temperature > 0
  int max_tokens = 256;
  bool ignore_eos = false;  // keep going past end-of-generation tokens (benchmarks)
  std::vector<std::string> stop;  // the reply ends before the first of these

  // Optional GBNF grammar constraining the reply. With `grammar_lazy`, the
  // reply is free until one of the triggers appears, then constrained.
  std::string grammar;
  bool grammar_lazy = false;
  std::vector<std::string> trigger_words;
  std::vector<std::string> trigger_patterns;
  std::vector<std::string> preserved_tokens;  // special tokens the grammar may name
};

}  // namespace agentcoder::models
