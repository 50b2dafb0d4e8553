// The tables of issue 17's decision measures that `metrics` and `compare`
// print from the metrics JSON: "necessity" (evaluation/necessity.h, the
// knowing-doing cells per arm) and "boundaries" (evaluation/boundary.h, the
// 50% points of P(call | free) and P(correct | force_text) per family).
// A 50% point that does not exist prints its status (separated LO|HI,
// one_outcome, no_crossing, ...), never a number. Strict about keys: a
// missing one throws.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace agentcoder::cli {

std::string format_necessity(const nlohmann::ordered_json& necessity);
std::string format_boundaries(const nlohmann::ordered_json& boundaries);

}  // namespace agentcoder::cli
