// A seeded random source whose draws are the same with every compiler and
// standard library: std::mt19937_64 is specified bit for bit, but std::
// distributions are not, so the ranges are computed here.
//
// Streams are derived from names (derive_seed), so adding a family or a
// parameter does not change the draws of the others.
#pragma once

#include <cstdint>
#include <random>
#include <string_view>

namespace agentcoder::data {

// splitmix64 of the seed mixed with the FNV-1a hash of the label.
uint64_t derive_seed(uint64_t seed, std::string_view label);
uint64_t fnv1a64(std::string_view bytes);

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  uint64_t next() { return engine_(); }
  // Uniform in [0, n), n > 0, without modulo bias (rejection).
  uint64_t below(uint64_t n);
  // Uniform in [lo, hi], lo <= hi.
  int64_t between(int64_t lo, int64_t hi);
  // Uniform in [0, 1) with 53 random bits.
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }

 private:
  std::mt19937_64 engine_;
};

}  // namespace agentcoder::data
