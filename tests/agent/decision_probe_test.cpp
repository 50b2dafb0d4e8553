// The decision probe's openers: which strings start a call in each format,
// that they are the ones the reply parser acts on, and that the set is
// prefix-free in tokens so that p_tool sums disjoint events.
#include "agent/decision_probe.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "models/model.h"
#include "models/tool_call_parser.h"

using namespace agentcoder;
using namespace agentcoder::agent;

namespace {

class DecisionProbeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = new models::Model({AGENTCODER_TINY_MODEL}); }
  static void TearDownTestSuite() { delete model_; }
  void SetUp() override {
    models::EngineOptions o;
    o.context_size = 2048;
    o.parallel = 1;
    o.max_prefixes = 0;
    o.threads = 2;
    engine_ = std::make_unique<models::Engine>(*model_, o);
    chat_ = std::make_unique<models::ChatTemplate>(*model_);
  }
  models::RenderedChat render(bool fenced_code_is_call) {
    models::RenderOptions ro;
    ro.fenced_code_is_call = fenced_code_is_call;
    return chat_->render({{"system", "You help."}, {"user", "What is 6*7?"}},
                         {{"python", "Run Python code.",
                           R"({"type":"object","properties":{"code":{"type":"string"}},"required":["code"]})"}},
                         ro);
  }
  static models::Model* model_;
  std::unique_ptr<models::Engine> engine_;
  std::unique_ptr<models::ChatTemplate> chat_;
};
models::Model* DecisionProbeTest::model_ = nullptr;

bool token_prefix(const std::vector<int32_t>& shorter, const std::vector<int32_t>& longer) {
  return shorter.size() <= longer.size() && std::equal(shorter.begin(), shorter.end(), longer.begin());
}

}  // namespace

TEST(DecisionProbe, PrefixFreeKeepsTheShorterOfTwoOpenersAndOneOfEqualOnes) {
  std::vector<ProbeOpener> openers = {
      {"ab", {1, 2}}, {"a", {1}}, {"acd", {1, 3, 4}}, {"x", {5}}, {"x again", {5}}, {"y", {6, 7}}, {"none", {}}};
  std::vector<ProbeOpener> kept = prefix_free(openers);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].opener, "a");
  EXPECT_EQ(kept[1].opener, "x");
  EXPECT_EQ(kept[2].opener, "y");
}

// In the harness format the openers are the call opener and, where fenced
// code is a call, exactly the fences the parser runs: each opens a call, and
// a bare ``` (which the old probe counted) does not.
TEST_F(DecisionProbeTest, HarnessOpenersAreTheParsersOwn) {
  chat_->force_harness_format();
  const std::vector<std::string> with_fences = {"<tool_call>", "```python", "```py"};
  EXPECT_EQ(tool_call_openers(render(true)), with_fences);
  EXPECT_EQ(tool_call_openers(render(false)), std::vector<std::string>{"<tool_call>"});

  models::HarnessParseOptions runs_fences{"python"};
  for (const std::string& opener : tool_call_openers(render(true))) {
    std::string reply = opener == "<tool_call>" ? opener + R"j({"name": "python", "arguments": {"code": "print(1)"}}</tool_call>)j"
                                                : opener + "\nprint(1)\n```";
    EXPECT_EQ(models::parse_harness_reply(reply, runs_fences).kind, ReplyKind::tool_call) << opener;
  }
  EXPECT_EQ(models::parse_harness_reply("```\nprint(1)\n```", runs_fences).kind, ReplyKind::text);
  EXPECT_EQ(models::parse_harness_reply("<b>not a call</b>", runs_fences).kind, ReplyKind::text);
}

TEST_F(DecisionProbeTest, ProbeOpenersAreTokenizedWithoutBosAndPrefixFree) {
  chat_->force_harness_format();
  std::vector<ProbeOpener> openers = probe_openers(*engine_, render(true));
  ASSERT_FALSE(openers.empty());
  for (const auto& o : openers) {
    EXPECT_EQ(o.tokens, engine_->tokenize_continuation(o.opener));
    EXPECT_EQ(engine_->detokenize(o.tokens), o.opener);
  }
  for (size_t i = 0; i < openers.size(); ++i)
    for (size_t j = 0; j < openers.size(); ++j)
      if (i != j) {
        EXPECT_FALSE(token_prefix(openers[i].tokens, openers[j].tokens)) << openers[i].opener << " / " << openers[j].opener;
      }
  // "```py" and "```python" are kept both only where their tokens part ways.
  std::vector<std::string> kept;
  for (const auto& o : openers) kept.push_back(o.opener);
  bool both = std::find(kept.begin(), kept.end(), "```python") != kept.end() &&
              std::find(kept.begin(), kept.end(), "```py") != kept.end();
  EXPECT_EQ(both, !token_prefix(engine_->tokenize_continuation("```py"), engine_->tokenize_continuation("```python")));
}

// The native format probes the template's own trigger words.
TEST_F(DecisionProbeTest, NativeOpenersAreTheTemplatesTriggerWords) {
  ASSERT_EQ(chat_->tool_format(), models::ToolFormat::native) << "the tiny model's template renders tools";
  models::RenderedChat rendered = render(true);
  ASSERT_FALSE(rendered.trigger_words.empty());
  EXPECT_EQ(tool_call_openers(rendered), rendered.trigger_words);
}
