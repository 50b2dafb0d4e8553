// The chat layer on the tiny model, whose Qwen2.5 template renders tools
// natively (Hermes-style <tool_call> JSON).
#include "models/chat_template.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/model.h"

using namespace agentcoder;
using namespace agentcoder::models;

namespace {

const std::vector<ToolSchema>& tools() {
  static const std::vector<ToolSchema> t = {
      {"python", "Run Python code and return its output.",
       R"({"type":"object","properties":{"code":{"type":"string"}},"required":["code"]})"}};
  return t;
}

class ChatTemplateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = new Model({std::string(AGENTCODER_TINY_MODEL)}); }
  static void TearDownTestSuite() { delete model_; }
  static Model* model_;
};
Model* ChatTemplateTest::model_ = nullptr;

}  // namespace

TEST_F(ChatTemplateTest, QwenTemplateRendersToolsNatively) {
  ChatTemplate chat(*model_);
  EXPECT_TRUE(chat.renders_tools());
  EXPECT_EQ(chat.tool_format(), ToolFormat::native);
  RenderedChat r = chat.render({{"system", "Be brief."}, {"user", "What is 6*7?"}}, tools());
  EXPECT_EQ(r.format, ToolFormat::native);
  EXPECT_NE(r.prompt.find("\"python\""), std::string::npos);
  EXPECT_NE(r.prompt.find("What is 6*7?"), std::string::npos);
  EXPECT_NE(r.prompt.find("<|im_start|>assistant"), std::string::npos);
  EXPECT_FALSE(r.parser.empty());
  EXPECT_FALSE(r.tool_grammar.empty());
}

TEST_F(ChatTemplateTest, NativeReplyParsesIntoACall) {
  ChatTemplate chat(*model_);
  RenderedChat r = chat.render({{"user", "What is 6*7?"}}, tools());
  ParsedReply p = chat.parse("<tool_call>\n{\"name\": \"python\", \"arguments\": {\"code\": \"print(6*7)\"}}\n</tool_call>", r);
  ASSERT_EQ(p.kind, ReplyKind::tool_call);
  ASSERT_EQ(p.tool_calls.size(), 1u);
  EXPECT_EQ(p.tool_calls[0].name, "python");
  EXPECT_EQ(nlohmann::json::parse(p.tool_calls[0].arguments)["code"], "print(6*7)");
}

TEST_F(ChatTemplateTest, NativeTextReplyIsText) {
  ChatTemplate chat(*model_);
  RenderedChat r = chat.render({{"user", "Say hi"}}, tools());
  ParsedReply p = chat.parse("Hello there.", r);
  EXPECT_EQ(p.kind, ReplyKind::text);
  EXPECT_EQ(p.content, "Hello there.");
}

TEST_F(ChatTemplateTest, NativeBrokenCallIsMalformed) {
  ChatTemplate chat(*model_);
  RenderedChat r = chat.render({{"user", "What is 6*7?"}}, tools());
  ParsedReply p = chat.parse("<tool_call>\n{\"name\": \"python\", \"arguments\": {\"code\": \n", r);
  EXPECT_EQ(p.kind, ReplyKind::malformed);
  EXPECT_FALSE(p.errors.empty());
}

TEST_F(ChatTemplateTest, HistoryWithCallsAndResultsRenders) {
  ChatTemplate chat(*model_);
  ChatMessage call{"assistant", "", {{"c1", "python", R"j({"code":"print(6*7)"})j"}}};
  ChatMessage result{"tool", "42\n", {}, "c1", "python"};
  RenderedChat r = chat.render({{"user", "What is 6*7?"}, call, result}, tools());
  EXPECT_NE(r.prompt.find("print(6*7)"), std::string::npos);
  EXPECT_NE(r.prompt.find("42"), std::string::npos);
}

TEST_F(ChatTemplateTest, HarnessFormatCanBeForced) {
  ChatTemplate chat(*model_);
  chat.force_harness_format();
  ChatMessage call{"assistant", "", {{"c1", "python", R"j({"code":"print(1)"})j"}}};
  ChatMessage result{"tool", "1\n", {}, "c1", "python"};
  RenderedChat r = chat.render({{"system", "Be brief."}, {"user", "Run it"}, call, result}, tools());
  EXPECT_EQ(r.format, ToolFormat::harness);
  EXPECT_NE(r.prompt.find("You can call these tools"), std::string::npos);
  EXPECT_NE(r.prompt.find("<tool_response name=\"python\">"), std::string::npos);
  EXPECT_NE(r.prompt.find("<tool_call>{\"name\":\"python\""), std::string::npos);
  ParsedReply p = chat.parse("<tool_call>{\"name\": \"python\", \"arguments\": {\"code\": \"1\"}}</tool_call>", r);
  EXPECT_EQ(p.kind, ReplyKind::tool_call);
}

TEST_F(ChatTemplateTest, WithoutToolsACallStillShowsIntent) {
  ChatTemplate chat(*model_);
  RenderedChat r = chat.render({{"user", "What is 6*7?"}}, {});
  EXPECT_EQ(r.prompt.find("\"python\""), std::string::npos);
  ParsedReply p = chat.parse("<tool_call>{\"name\": \"python\", \"arguments\": {}}</tool_call>", r);
  EXPECT_EQ(p.kind, ReplyKind::tool_call);  // a call to a tool nobody offered: the caller flags it
}

TEST_F(ChatTemplateTest, TemplateWithoutToolSupportUsesHarness) {
  // ChatML-style template without any tool handling.
  const std::string chatml =
      "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
      "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
  ChatTemplate chat(*model_, chatml);
  EXPECT_FALSE(chat.renders_tools());
  RenderedChat r = chat.render({{"user", "hi"}}, tools(), {.fenced_code_is_call = true});
  EXPECT_EQ(r.format, ToolFormat::harness);
  EXPECT_NE(r.prompt.find("<|im_start|>system\nYou can call these tools"), std::string::npos);
  ParsedReply p = chat.parse("```python\nprint(1)\n```", r);
  EXPECT_EQ(p.kind, ReplyKind::tool_call);
}
