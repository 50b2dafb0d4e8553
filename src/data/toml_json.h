// Reads TOML (families, mappings) into JSON so the rest of the module handles
// one value type. Tables keep toml++'s (sorted) key order; dates become
// "YYYY-MM-DD" strings. Throws InputError "file:line:col: message" on a
// syntax error.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace agentcoder::data {

nlohmann::ordered_json parse_toml(const std::string& text, const std::string& source_name);

}  // namespace agentcoder::data
