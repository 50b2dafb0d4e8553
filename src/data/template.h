// Text templates with {{path}} placeholders, used for prompts (families) and
// for field mappings (importers).
//
// A path names a value in a JSON context by dot-separated keys and array
// indexes: "a", "snippet.code", "question.0.0.content". A filter may follow a
// bar: {{xs|csv}} joins a list with ", ", |lines joins with newlines, |json
// writes JSON, |repr writes a Python literal (strings quoted), |len gives the
// length, |key the first key of an object. Without a filter a string is inserted as is and any other value as
// a Python literal ([1, 2], True, None). A path that does not resolve throws
// std::invalid_argument naming the placeholder.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace agentcoder::data {

// nullptr when the path does not resolve.
const nlohmann::ordered_json* lookup(const nlohmann::ordered_json& context, const std::string& path);

// Python literal for a JSON value (repr of the equivalent Python object).
std::string python_literal(const nlohmann::ordered_json& value);

std::string render_template(const std::string& text, const nlohmann::ordered_json& context);

// If text is exactly one placeholder without a filter, its path; else "".
std::string sole_placeholder(const std::string& text);

// The first placeholder in text that looks like one this syntax would render
// ("{{question.0.content}}", "{{xs|csv}}": a dotted path of names and
// indexes, optionally a filter), or "" when there is none. Validation uses it
// to refuse text a template or mapping left unrendered; "{{}}" or "{{ {x} }}"
// (Python format escapes) do not count.
std::string find_placeholder(const std::string& text);

}  // namespace agentcoder::data
