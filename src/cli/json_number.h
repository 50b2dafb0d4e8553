// A metrics JSON number as table text, the one way every analysis command
// prints it: integers as they are, others with `decimals` places, "-" for
// null (an empty denominator, or not measured).
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

}  // namespace agentcoder::cli
