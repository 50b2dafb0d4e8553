// JSON that comes from outside the harness (a task file line, a --tools or
// --chat file, a model's tool call): parsed with a bound on nesting depth and
// every parser failure turned into one located line.
//
// nlohmann::json builds, copies and prints values recursively, so a document
// nested a few hundred thousand levels deep exhausts the stack wherever it is
// next used. parse_json_input refuses it while parsing instead. Errors are
// InputError "WHERE:LINE:COLUMN: why" (line and column in `text`, from 1);
// WHERE is the file name, or whatever names the input for the user.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace agentcoder {

// Deep enough for any real tool schema, chat or task; a few hundred stack
// frames at most wherever the value is later walked.
constexpr int kMaxJsonDepth = 64;

template <typename Json>
Json parse_json_input(const std::string& text, const std::string& where, int max_depth = kMaxJsonDepth);

extern template nlohmann::json parse_json_input<nlohmann::json>(const std::string&, const std::string&, int);
extern template nlohmann::ordered_json parse_json_input<nlohmann::ordered_json>(const std::string&,
                                                                                const std::string&, int);

// The depth of the deepest array or object in `value` (a scalar is 0), found
// without recursion: for JSON built by other means than parse_json_input.
template <typename Json>
int json_depth(const Json& value);

extern template int json_depth<nlohmann::json>(const nlohmann::json&);
extern template int json_depth<nlohmann::ordered_json>(const nlohmann::ordered_json&);

}  // namespace agentcoder
