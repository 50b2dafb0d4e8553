// Checks a tool call's arguments against the tool's JSON schema.
//
// Debian ships no JSON-schema validator for C++, so this is a small one of
// our own for the subset tool schemas use: "type" (string, integer, number,
// boolean, array, object, null, or a list of them), "properties",
// "required", "additionalProperties" (false or a schema), "enum", "items",
// "minimum"/"maximum", "minLength"/"maxLength", "minItems"/"maxItems".
// Annotations ("description", "title", "default", "examples") are ignored.
// check_schema() rejects any other keyword, so a tool cannot declare a rule
// that would silently go unenforced.
//
// As in JSON Schema, an integer is a number with no fractional part (3.0 is
// an integer) and a boolean is never a number.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace agentcoder::tools {

// Throws std::invalid_argument naming the place ("properties.k: unsupported
// keyword 'pattern'") if the schema uses anything outside the subset.
void check_schema(const nlohmann::json& schema);

// The first violation, as one line naming the place in the value
// ("$.variable: expected string, got number"), or nullopt if it conforms.
// The schema must have passed check_schema().
std::optional<std::string> validate(const nlohmann::json& schema, const nlohmann::json& value);

}  // namespace agentcoder::tools
