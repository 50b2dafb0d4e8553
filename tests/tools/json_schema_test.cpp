// Every rule of the schema subset, with a value that passes and one that fails.
#include "tools/json_schema.h"

#include <gtest/gtest.h>

namespace agentcoder::tools {
namespace {

using nlohmann::json;

// The violation message, or "" when the value conforms.
std::string violation(const json& schema, const json& value) {
  check_schema(schema);
  auto v = validate(schema, value);
  return v ? *v : "";
}

TEST(JsonSchema, TypeString) {
  json s = {{"type", "string"}};
  EXPECT_EQ(violation(s, "x"), "");
  EXPECT_EQ(violation(s, 1), "$: expected string, got integer");
}

TEST(JsonSchema, TypeIntegerAcceptsIntegralFloatsOnly) {
  json s = {{"type", "integer"}};
  EXPECT_EQ(violation(s, 3), "");
  EXPECT_EQ(violation(s, -3), "");
  EXPECT_EQ(violation(s, 3.0), "");  // JSON Schema: a number with no fraction
  EXPECT_EQ(violation(s, 3.5), "$: expected integer, got number");
  EXPECT_EQ(violation(s, "3"), "$: expected integer, got string");
  EXPECT_EQ(violation(s, true), "$: expected integer, got boolean");
}

TEST(JsonSchema, TypeNumber) {
  json s = {{"type", "number"}};
  EXPECT_EQ(violation(s, 2.5), "");
  EXPECT_EQ(violation(s, 2), "");
  EXPECT_EQ(violation(s, false), "$: expected number, got boolean");
  EXPECT_EQ(violation(s, nullptr), "$: expected number, got null");
}

TEST(JsonSchema, TypeBooleanArrayObjectNull) {
  EXPECT_EQ(violation({{"type", "boolean"}}, true), "");
  EXPECT_EQ(violation({{"type", "boolean"}}, 0), "$: expected boolean, got integer");
  EXPECT_EQ(violation({{"type", "array"}}, json::array()), "");
  EXPECT_EQ(violation({{"type", "array"}}, json::object()), "$: expected array, got object");
  EXPECT_EQ(violation({{"type", "object"}}, json::object()), "");
  EXPECT_EQ(violation({{"type", "object"}}, json::array()), "$: expected object, got array");
  EXPECT_EQ(violation({{"type", "null"}}, nullptr), "");
  EXPECT_EQ(violation({{"type", "null"}}, ""), "$: expected null, got string");
}

TEST(JsonSchema, ListOfTypes) {
  json s = {{"type", {"string", "number"}}};
  EXPECT_EQ(violation(s, "0"), "");
  EXPECT_EQ(violation(s, 0.5), "");
  EXPECT_EQ(violation(s, json::array()), "$: expected string or number, got array");
}

TEST(JsonSchema, Required) {
  json s = {{"type", "object"}, {"required", {"a", "b"}}};
  EXPECT_EQ(violation(s, {{"a", 1}, {"b", 2}}), "");
  EXPECT_EQ(violation(s, {{"a", 1}}), "$: missing required property 'b'");
}

TEST(JsonSchema, PropertiesCheckTheirValuesWithPlaces) {
  json s = {{"type", "object"},
            {"properties", {{"outer", {{"type", "object"}, {"properties", {{"n", {{"type", "integer"}}}}}}}}}};
  EXPECT_EQ(violation(s, {{"outer", {{"n", 1}}}}), "");
  EXPECT_EQ(violation(s, {{"outer", {{"n", "1"}}}}), "$.outer.n: expected integer, got string");
  // Properties not declared are allowed unless additionalProperties says otherwise.
  EXPECT_EQ(violation(s, {{"other", "x"}}), "");
}

TEST(JsonSchema, AdditionalPropertiesFalse) {
  json s = {{"type", "object"}, {"properties", {{"a", {{"type", "string"}}}}}, {"additionalProperties", false}};
  EXPECT_EQ(violation(s, {{"a", "x"}}), "");
  EXPECT_EQ(violation(s, {{"a", "x"}, {"b", 1}}), "$: unexpected property 'b'");
}

TEST(JsonSchema, AdditionalPropertiesSchema) {
  json s = {{"type", "object"}, {"additionalProperties", {{"type", "number"}}}};
  EXPECT_EQ(violation(s, {{"x", 1.5}, {"y", 2}}), "");
  EXPECT_EQ(violation(s, {{"x", 1.5}, {"y", "2"}}), "$.y: expected number, got string");
}

TEST(JsonSchema, Enum) {
  json s = {{"type", "string"}, {"enum", {"solve", "simplify"}}};
  EXPECT_EQ(violation(s, "solve"), "");
  EXPECT_EQ(violation(s, "Solve"), "$: \"Solve\" is not one of [\"solve\",\"simplify\"]");
  // enum compares whole values, of any type.
  EXPECT_EQ(violation({{"enum", {1, "1"}}}, 1), "");
  EXPECT_NE(violation({{"enum", {1, "1"}}}, 2), "");
}

TEST(JsonSchema, ItemsWithIndexInPlace) {
  json s = {{"type", "array"}, {"items", {{"type", "integer"}}}};
  EXPECT_EQ(violation(s, {1, 2, 3}), "");
  EXPECT_EQ(violation(s, {1, "2", 3}), "$[1]: expected integer, got string");
}

TEST(JsonSchema, NumericBounds) {
  json s = {{"type", "integer"}, {"minimum", 1}, {"maximum", 10}};
  EXPECT_EQ(violation(s, 1), "");
  EXPECT_EQ(violation(s, 10), "");
  EXPECT_EQ(violation(s, 0), "$: 0 is less than the minimum 1");
  EXPECT_EQ(violation(s, 11), "$: 11 is more than the maximum 10");
}

TEST(JsonSchema, LengthsCountCharactersNotBytes) {
  json s = {{"type", "string"}, {"minLength", 2}, {"maxLength", 3}};
  EXPECT_EQ(violation(s, "ab"), "");
  EXPECT_EQ(violation(s, "\xC3\xA9\xC3\xA9\xC3\xA9"), "");  // three characters, six bytes
  EXPECT_EQ(violation(s, "a"), "$: shorter than 2 characters");
  EXPECT_EQ(violation(s, "abcd"), "$: longer than 3 characters");
}

TEST(JsonSchema, ItemCounts) {
  json s = {{"type", "array"}, {"minItems", 1}, {"maxItems", 2}};
  EXPECT_EQ(violation(s, {1}), "");
  EXPECT_EQ(violation(s, json::array()), "$: fewer than 1 items");
  EXPECT_EQ(violation(s, {1, 2, 3}), "$: more than 2 items");
}

TEST(JsonSchema, AnnotationsAreIgnored) {
  json s = {{"type", "string"}, {"description", "d"}, {"title", "t"}, {"default", "x"}, {"examples", {"y"}}};
  EXPECT_EQ(violation(s, "z"), "");
}

TEST(JsonSchema, CheckSchemaRejectsWhatItCannotEnforce) {
  EXPECT_THROW(check_schema({{"type", "string"}, {"pattern", "^a"}}), std::invalid_argument);
  EXPECT_THROW(check_schema({{"type", "strin"}}), std::invalid_argument);
  EXPECT_THROW(check_schema({{"type", json::array()}}), std::invalid_argument);
  EXPECT_THROW(check_schema({{"required", "a"}}), std::invalid_argument);
  EXPECT_THROW(check_schema({{"enum", json::array()}}), std::invalid_argument);
  EXPECT_THROW(check_schema({{"minLength", -1}}), std::invalid_argument);
  EXPECT_THROW(check_schema("string"), std::invalid_argument);
  try {
    check_schema({{"type", "object"}, {"properties", {{"k", {{"oneOf", json::array()}}}}}});
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "properties.k.oneOf: unsupported keyword 'oneOf'");
  }
}

}  // namespace
}  // namespace agentcoder::tools
