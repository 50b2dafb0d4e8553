#include "tools/json_schema.h"

#include <cmath>
#include <cstdint>
#include <set>
#include <stdexcept>

namespace agentcoder::tools {
namespace {

using nlohmann::json;

const std::set<std::string> kTypes = {"string", "integer", "number", "boolean", "array", "object", "null"};
const std::set<std::string> kAnnotations = {"description", "title", "default", "examples"};
const std::set<std::string> kNumberBounds = {"minimum", "maximum"};
const std::set<std::string> kCountBounds = {"minLength", "maxLength", "minItems", "maxItems"};

std::string at(const std::string& place) { return place.empty() ? "schema" : place; }

void check_node(const json& schema, const std::string& place) {
  if (!schema.is_object()) throw std::invalid_argument(at(place) + ": a schema must be an object");
  for (const auto& [key, value] : schema.items()) {
    std::string here = place.empty() ? key : place + "." + key;
    if (kAnnotations.count(key)) continue;
    if (key == "type") {
      json types = value.is_array() ? value : json::array({value});
      if (types.empty()) throw std::invalid_argument(here + ": empty list of types");
      for (const auto& t : types) {
        if (!t.is_string() || !kTypes.count(t.get<std::string>()))
          throw std::invalid_argument(here + ": unknown type " + t.dump());
      }
    } else if (key == "properties") {
      if (!value.is_object()) throw std::invalid_argument(here + ": must be an object");
      for (const auto& [name, sub] : value.items()) check_node(sub, here + "." + name);
    } else if (key == "required") {
      if (!value.is_array()) throw std::invalid_argument(here + ": must be a list of names");
      for (const auto& n : value) {
        if (!n.is_string()) throw std::invalid_argument(here + ": must be a list of names");
      }
    } else if (key == "additionalProperties") {
      if (!value.is_boolean()) check_node(value, here);
    } else if (key == "enum") {
      if (!value.is_array() || value.empty()) throw std::invalid_argument(here + ": must be a non-empty list");
    } else if (key == "items") {
      check_node(value, here);
    } else if (kNumberBounds.count(key)) {
      if (!value.is_number()) throw std::invalid_argument(here + ": must be a number");
    } else if (kCountBounds.count(key)) {
      if (!value.is_number_integer() || value.get<int64_t>() < 0) throw std::invalid_argument(here + ": must be a non-negative integer");
    } else {
      throw std::invalid_argument(here + ": unsupported keyword '" + key + "'");
    }
  }
}

std::string type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    default: return "unknown";
  }
}

bool has_type(const json& v, const std::string& type) {
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  if (type == "array") return v.is_array();
  if (type == "object") return v.is_object();
  if (type == "number") return v.is_number();  // nlohmann: booleans are not numbers
  if (type == "integer") {
    if (v.is_number_integer()) return true;
    if (!v.is_number_float()) return false;
    double d = v.get<double>();
    return std::isfinite(d) && d == std::floor(d);
  }
  return false;
}

// Names in the value's place use JSONPath-like syntax: $.a.b[2].
std::optional<std::string> check(const json& schema, const json& v, const std::string& place) {
  if (schema.contains("type")) {
    const json& t = schema["type"];
    json types = t.is_array() ? t : json::array({t});
    bool any = false;
    for (const auto& name : types) any = any || has_type(v, name.get<std::string>());
    if (!any) {
      std::string wanted;
      for (const auto& name : types) wanted += (wanted.empty() ? "" : " or ") + name.get<std::string>();
      return place + ": expected " + wanted + ", got " + type_name(v);
    }
  }
  if (schema.contains("enum")) {
    bool found = false;
    for (const auto& option : schema["enum"]) found = found || option == v;
    if (!found) return place + ": " + v.dump() + " is not one of " + schema["enum"].dump();
  }
  if (v.is_number()) {
    double d = v.get<double>();
    if (schema.contains("minimum") && d < schema["minimum"].get<double>())
      return place + ": " + v.dump() + " is less than the minimum " + schema["minimum"].dump();
    if (schema.contains("maximum") && d > schema["maximum"].get<double>())
      return place + ": " + v.dump() + " is more than the maximum " + schema["maximum"].dump();
  }
  if (v.is_string()) {
    // Lengths count characters, not bytes, as JSON Schema does.
    size_t chars = 0;
    for (unsigned char c : v.get_ref<const std::string&>()) chars += (c & 0xC0) != 0x80;
    if (schema.contains("minLength") && chars < schema["minLength"].get<size_t>())
      return place + ": shorter than " + schema["minLength"].dump() + " characters";
    if (schema.contains("maxLength") && chars > schema["maxLength"].get<size_t>())
      return place + ": longer than " + schema["maxLength"].dump() + " characters";
  }
  if (v.is_array()) {
    if (schema.contains("minItems") && v.size() < schema["minItems"].get<size_t>())
      return place + ": fewer than " + schema["minItems"].dump() + " items";
    if (schema.contains("maxItems") && v.size() > schema["maxItems"].get<size_t>())
      return place + ": more than " + schema["maxItems"].dump() + " items";
    if (schema.contains("items")) {
      for (size_t i = 0; i < v.size(); ++i) {
        if (auto e = check(schema["items"], v[i], place + "[" + std::to_string(i) + "]")) return e;
      }
    }
  }
  if (v.is_object()) {
    if (schema.contains("required")) {
      for (const auto& name : schema["required"]) {
        if (!v.contains(name.get<std::string>()))
          return place + ": missing required property '" + name.get<std::string>() + "'";
      }
    }
    const json empty = json::object();
    const json& props = schema.contains("properties") ? schema["properties"] : empty;
    for (const auto& [name, value] : v.items()) {
      std::string here = place + "." + name;
      if (props.contains(name)) {
        if (auto e = check(props[name], value, here)) return e;
      } else if (schema.contains("additionalProperties")) {
        const json& extra = schema["additionalProperties"];
        if (extra.is_boolean()) {
          if (!extra.get<bool>()) return place + ": unexpected property '" + name + "'";
        } else if (auto e = check(extra, value, here)) {
          return e;
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace

void check_schema(const json& schema) { check_node(schema, ""); }

std::optional<std::string> validate(const json& schema, const json& value) { return check(schema, value, "$"); }

}  // namespace agentcoder::tools
