#include "utils/json_input.h"

#include <utility>
#include <vector>

#include "utils/errors.h"

namespace agentcoder {
namespace {

// "LINE:COLUMN" of byte offset `at` (nlohmann counts bytes, from 1 past the
// character that failed).
std::string line_column(const std::string& text, size_t at) {
  if (at > 0) --at;
  if (at > text.size()) at = text.size();
  size_t line = 1, column = 1;
  for (size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

// nlohmann's message starts "[json.exception.parse_error.101] parse error at line 1, column 2: ":
// the place is said once, by us.
std::string reason(const std::string& what) {
  std::string out = what;
  if (auto pos = out.find("] "); pos != std::string::npos) out = out.substr(pos + 2);
  if (out.rfind("parse error", 0) == 0)
    if (auto pos = out.find(": "); pos != std::string::npos) out = out.substr(pos + 2);
  return out;
}

struct TooDeep {
  size_t line = 0;
};

}  // namespace

template <typename Json>
Json parse_json_input(const std::string& text, const std::string& where, int max_depth) {
  // The callback sees each object or array as it opens, at its depth, before
  // anything inside it is built.
  int deepest = 0;
  typename Json::parser_callback_t callback = [&](int depth, nlohmann::json::parse_event_t event, Json&) {
    if ((event == nlohmann::json::parse_event_t::object_start || event == nlohmann::json::parse_event_t::array_start) &&
        depth + 1 > max_depth) {
      deepest = depth + 1;
      throw TooDeep{};
    }
    return true;
  };
  try {
    return Json::parse(text, callback);
  } catch (const TooDeep&) {
    // The callback is not told where it is: find the opening bracket that went too deep.
    int depth = 0;
    bool in_string = false, escaped = false;
    size_t at = 0;
    for (; at < text.size(); ++at) {
      char c = text[at];
      if (in_string) {
        if (escaped) escaped = false;
        else if (c == '\\') escaped = true;
        else if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '[' || c == '{') {
        if (++depth >= deepest) break;
      } else if (c == ']' || c == '}') {
        --depth;
      }
    }
    throw InputError(where + ":" + line_column(text, at + 1) + ": JSON nested deeper than " +
                     std::to_string(max_depth) + " levels");
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(where + ":" + line_column(text, e.byte) + ": malformed JSON: " + reason(e.what()));
  } catch (const nlohmann::json::exception& e) {
    // A number out of a double's range is out_of_range 406, which carries no
    // position: "number overflow parsing '1e999'". Find the token instead.
    const std::string why = reason(e.what());
    size_t at = 0;
    if (auto open = why.find('\''); open != std::string::npos)
      if (auto close = why.find('\'', open + 1); close != std::string::npos)
        if (auto found = text.find(why.substr(open + 1, close - open - 1)); found != std::string::npos) at = found + 1;
    throw InputError(where + ":" + line_column(text, at) + ": malformed JSON: " + why);
  }
}

template <typename Json>
int json_depth(const Json& value) {
  int deepest = 0;
  std::vector<std::pair<const Json*, int>> pending{{&value, 0}};
  while (!pending.empty()) {
    auto [v, depth] = pending.back();
    pending.pop_back();
    if (!v->is_structured()) continue;
    if (depth + 1 > deepest) deepest = depth + 1;
    for (const auto& child : *v) pending.emplace_back(&child, depth + 1);
  }
  return deepest;
}

template nlohmann::json parse_json_input<nlohmann::json>(const std::string&, const std::string&, int);
template nlohmann::ordered_json parse_json_input<nlohmann::ordered_json>(const std::string&, const std::string&, int);
template int json_depth<nlohmann::json>(const nlohmann::json&);
template int json_depth<nlohmann::ordered_json>(const nlohmann::ordered_json&);

}  // namespace agentcoder
