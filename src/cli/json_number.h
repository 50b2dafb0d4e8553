// A metrics JSON number as table text, the one way every analysis command
// prints it: integers as they are, others with `decimals` places, "-" for
// null (an empty denominator, or not measured). json_significant: with 3
// significant digits, for probabilities that span orders of magnitude
// (p_tool: 1e-13 in no_tools, 0.1 in free).
#pragma once

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace agentcoder::cli {

inline std::string json_number(const nlohmann::ordered_json& v, int decimals = 3) {
  if (v.is_null()) return "-";
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v.get<double>());
  return buf;
}

inline std::string json_significant(const nlohmann::ordered_json& v) {
  if (v.is_null()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v.get<double>());
  return buf;
}

}  // namespace agentcoder::cli
