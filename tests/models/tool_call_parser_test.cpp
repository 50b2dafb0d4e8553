#include "models/tool_call_parser.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace agentcoder;
using namespace agentcoder::models;
using nlohmann::json;

namespace {

json args_of(const ParsedReply& r, size_t i = 0) { return json::parse(r.tool_calls.at(i).arguments); }

bool has_repair(const ParsedReply& r, const std::string& repair) {
  for (const auto& x : r.repairs)
    if (x == repair) return true;
  return false;
}

}  // namespace

TEST(HarnessParser, PlainTextIsATextAnswer) {
  ParsedReply r = parse_harness_reply("The answer is 42.");
  EXPECT_EQ(r.kind, ReplyKind::text);
  EXPECT_EQ(r.content, "The answer is 42.");
  EXPECT_TRUE(r.tool_calls.empty());
  EXPECT_TRUE(r.errors.empty());
}

TEST(HarnessParser, WellFormedCall) {
  ParsedReply r = parse_harness_reply(
      "Let me run it.\n<tool_call>{\"name\": \"python\", \"arguments\": {\"code\": \"print(6*7)\"}}</tool_call>");
  ASSERT_EQ(r.kind, ReplyKind::tool_call);
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].name, "python");
  EXPECT_EQ(args_of(r)["code"], "print(6*7)");
  EXPECT_EQ(r.content, "Let me run it.");
  EXPECT_TRUE(r.repairs.empty());
}

TEST(HarnessParser, TwoCalls) {
  ParsedReply r = parse_harness_reply(
      "<tool_call>{\"name\":\"a\",\"arguments\":{}}</tool_call>\n<tool_call>{\"name\":\"b\",\"arguments\":{\"x\":1}}</tool_call>");
  ASSERT_EQ(r.kind, ReplyKind::tool_call);
  ASSERT_EQ(r.tool_calls.size(), 2u);
  EXPECT_EQ(r.tool_calls[1].name, "b");
  EXPECT_EQ(args_of(r, 1)["x"], 1);
  EXPECT_NE(r.tool_calls[0].id, r.tool_calls[1].id);
}

TEST(HarnessParser, MissingCloseTagIsRepaired) {
  ParsedReply r = parse_harness_reply("<tool_call>{\"name\": \"python\", \"arguments\": {\"code\": \"1\"}}");
  ASSERT_EQ(r.kind, ReplyKind::tool_call);
  EXPECT_TRUE(has_repair(r, "missing_close_tag"));
}

TEST(HarnessParser, MissingOpenTagIsRepaired) {
  ParsedReply r = parse_harness_reply("{\"name\": \"math\", \"arguments\": {\"expr\": \"x\"}}</tool_call>");
  ASSERT_EQ(r.kind, ReplyKind::tool_call);
  EXPECT_EQ(r.tool_calls[0].name, "math");
  EXPECT_TRUE(has_repair(r, "missing_open_tag"));
}

TEST(HarnessParser, FencedPayloadAndStringArgumentsAreRepaired) {
  ParsedReply r = parse_harness_reply(
      "<tool_call>```json\n{\"name\": \"python\", \"arguments\": \"{\\\"code\\\": \\\"print(2)\\\"}\"}\n```</tool_call>");
  ASSERT_EQ(r.kind, ReplyKind::tool_call) << (r.errors.empty() ? "" : r.errors[0]);
  EXPECT_EQ(args_of(r)["code"], "print(2)");
  EXPECT_TRUE(has_repair(r, "fenced_payload"));
  EXPECT_TRUE(has_repair(r, "arguments_as_string"));
}

TEST(HarnessParser, ParametersKeyIsAccepted) {
  ParsedReply r = parse_harness_reply("<tool_call>{\"name\": \"docs\", \"parameters\": {\"query\": \"zip\"}}</tool_call>");
  ASSERT_EQ(r.kind, ReplyKind::tool_call);
  EXPECT_EQ(args_of(r)["query"], "zip");
  EXPECT_TRUE(has_repair(r, "parameters_key"));
}

TEST(HarnessParser, BrokenJsonIsMalformedNotText) {
  ParsedReply r = parse_harness_reply("<tool_call>{\"name\": \"python\", \"arguments\": {\"code\": </tool_call>");
  EXPECT_EQ(r.kind, ReplyKind::malformed);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("invalid JSON"), std::string::npos) << r.errors[0];
  EXPECT_TRUE(r.tool_calls.empty());
}

TEST(HarnessParser, MissingNameIsMalformed) {
  ParsedReply r = parse_harness_reply("<tool_call>{\"arguments\": {}}</tool_call>");
  EXPECT_EQ(r.kind, ReplyKind::malformed);
  EXPECT_NE(r.errors.at(0).find("name"), std::string::npos);
}

TEST(HarnessParser, NonObjectArgumentsAreMalformed) {
  ParsedReply r = parse_harness_reply("<tool_call>{\"name\": \"python\", \"arguments\": [1, 2]}</tool_call>");
  EXPECT_EQ(r.kind, ReplyKind::malformed);
}

TEST(HarnessParser, OneGoodOneBrokenCallIsMalformedButKeepsTheGoodOne) {
  ParsedReply r = parse_harness_reply(
      "<tool_call>{\"name\":\"a\",\"arguments\":{}}</tool_call><tool_call>{oops}</tool_call>");
  EXPECT_EQ(r.kind, ReplyKind::malformed);
  EXPECT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.errors.size(), 1u);
}

TEST(HarnessParser, ReplyCutInsideTheOpenerShowsIntent) {
  ParsedReply r = parse_harness_reply("I will compute it. <tool_ca");
  EXPECT_EQ(r.kind, ReplyKind::malformed);
  EXPECT_EQ(r.content, "I will compute it.");
}

TEST(HarnessParser, FencedCodeIsTextUnlessEnabled) {
  std::string reply = "Here:\n```python\nprint(sum(range(10)))\n```\nDone.";
  EXPECT_EQ(parse_harness_reply(reply).kind, ReplyKind::text);
  ParsedReply r = parse_harness_reply(reply, {"python"});
  ASSERT_EQ(r.kind, ReplyKind::tool_call);
  EXPECT_EQ(r.tool_calls[0].name, "python");
  EXPECT_EQ(args_of(r)["code"], "print(sum(range(10)))\n");
  EXPECT_EQ(r.content, "Here:\n\nDone.");
}

TEST(HarnessParser, UnclosedFenceIsRepaired) {
  ParsedReply r = parse_harness_reply("```python\nprint(1)\n", {"python"});
  ASSERT_EQ(r.kind, ReplyKind::tool_call);
  EXPECT_TRUE(has_repair(r, "unclosed_fence"));
}

TEST(HarnessParser, EmptyFenceIsMalformed) {
  ParsedReply r = parse_harness_reply("```python\n\n```", {"python"});
  EXPECT_EQ(r.kind, ReplyKind::malformed);
}

TEST(HarnessParser, GarbageNeverThrows) {
  for (const std::string& s : std::vector<std::string>{"<tool_call>", "</tool_call>", "<tool_call></tool_call>", "<tool_call>\"str\"</tool_call>",
                        "<tool_call>{\"name\": 5}</tool_call>", std::string("\0\xff<tool_call>{", 14), "```python"}) {
    ParsedReply r = parse_harness_reply(s, {"python"});
    EXPECT_NE(r.kind, ReplyKind::tool_call) << s;
  }
}

TEST(HarnessFormat, RoundTripsThroughTheParser) {
  ToolCall call{"id1", "python", R"j({"code":"print('a b')"})j"};
  ParsedReply r = parse_harness_reply(harness_format_call(call));
  ASSERT_EQ(r.kind, ReplyKind::tool_call);
  EXPECT_EQ(r.tool_calls[0].name, "python");
  EXPECT_EQ(json::parse(r.tool_calls[0].arguments), json::parse(call.arguments));
}

TEST(HarnessFormat, InstructionsListEveryToolAndAParsableExample) {
  std::vector<ToolSchema> tools = {
      {"python", "Run code", R"({"type":"object","properties":{"code":{"type":"string"}},"required":["code"]})"},
      {"docs", "Search docs", R"({"type":"object","properties":{"query":{"type":"string"}}})"}};
  std::string text = harness_tool_instructions(tools, false);
  EXPECT_NE(text.find("\"python\""), std::string::npos);
  EXPECT_NE(text.find("\"docs\""), std::string::npos);
  // The example in the instructions is itself a valid call to the first tool.
  ParsedReply example = parse_harness_reply(text.substr(text.find("<tool_call>")));
  ASSERT_FALSE(example.tool_calls.empty());
  EXPECT_EQ(example.tool_calls[0].name, "python");
  EXPECT_EQ(text.find("```python"), std::string::npos);
  EXPECT_NE(harness_tool_instructions(tools, true).find("```python"), std::string::npos);
}

// A reply cut by max_tokens can end inside a UTF-8 sequence: the fenced code
// still becomes a call (the bad byte replaced) instead of an exception out of
// json::dump, which the parser's contract says never happens.
TEST(HarnessParser, FencedCodeWithIllFormedUtf8IsACall) {
  HarnessParseOptions options;
  options.fenced_code_tool = "python";
  ParsedReply r;
  ASSERT_NO_THROW(r = parse_harness_reply("```python\nprint('\xe2\x82')\n```", options));
  ASSERT_EQ(r.kind, ReplyKind::tool_call);
  EXPECT_EQ(args_of(r)["code"], "print('\xef\xbf\xbd')\n");
}

// A model's payload nested without end is an error of that call, refused
// while parsing, before anything copies the value recursively.
TEST(HarnessParser, DeeplyNestedPayloadIsAnError) {
  const std::string deep = "{\"name\": \"python\", \"arguments\": {\"code\": " + std::string(200000, '[') + std::string(200000, ']') + "}}";
  ParsedReply r = parse_harness_reply("<tool_call>" + deep + "</tool_call>");
  EXPECT_EQ(r.kind, ReplyKind::malformed);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("nested deeper than 64 levels"), std::string::npos) << r.errors[0];
}

// Found by fuzz/chat_json_fuzzer: a property that is not an object, or whose
// type is a list, made the instructions throw json's type_error (exit 1 from
// `generate --tools`, an aborted variant in a run).
TEST(HarnessFormat, InstructionsTakeAnyPropertySchema) {
  ToolSchema odd{"f", "odd", R"({"type": "object", "properties": {"a": "-ath", "b": {"type": ["integer", "null"]}, "c": {"type": "integer"}}})"};
  std::string text;
  ASSERT_NO_THROW(text = harness_tool_instructions({odd}, false));
  EXPECT_NE(text.find(R"({"name":"f","arguments":{"a":"...","b":"...","c":1}})"), std::string::npos) << text;
}
