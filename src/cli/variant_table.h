// The "Memory and throughput per variant" table that `metrics` and `compare`
// print from the metrics JSON's "variants" (evaluation/metrics.h
// variants_json). Reads its keys strictly: a missing key throws, a null
// prints "-" (not measured), or "n/a" for GPU bytes (no GPU, or not measured).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace agentcoder::cli {

std::string format_variants(const nlohmann::ordered_json& variants);

}  // namespace agentcoder::cli
