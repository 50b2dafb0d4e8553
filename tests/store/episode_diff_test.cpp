// first_difference: where two episodes of one identity first differ, field by
// field in the order things happened, and what it leaves out (timings, the
// tools' own records).
#include <gtest/gtest.h>

#include "store/episode_diff.h"
#include "store_test_util.h"

namespace {

using namespace store_test;
using agentcoder::store::first_difference;

// Record 4 has 2 steps; its first step makes one python call (4 + 0) % 3 = 1.
EpisodeRecord with_a_call() {
  EpisodeRecord r = make_record(4);
  EXPECT_EQ(r.steps.size(), 2u);
  EXPECT_EQ(r.steps[0].tool_calls.size(), 1u);
  return r;
}

TEST(EpisodeDiff, IdenticalEpisodesHaveNoDifference) {
  EXPECT_FALSE(first_difference(with_a_call(), with_a_call()));
}

TEST(EpisodeDiff, TimingsCountsAndToolRecordsAreNotCompared) {
  EpisodeRecord a = with_a_call(), b = with_a_call();
  b.wall_ms += 100;
  b.steps[0].decode_ms += 5;
  b.steps[0].generated_tokens += 1;
  b.steps[0].tool_calls[0].wall_ms += 7;
  b.steps[0].tool_calls[0].record["peak_kb"] = 99999;
  b.started_at = "2026-11-25T00:00:00.000Z";
  EXPECT_FALSE(first_difference(a, b));
}

TEST(EpisodeDiff, ModelTextGivesStepByteAndSnippets) {
  EpisodeRecord a = with_a_call(), b = with_a_call();
  std::string& text = b.steps[1].model_text;
  size_t at = text.find("line two");
  text.replace(at, 4, "LINE");
  auto d = first_difference(a, b);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->step, 1);
  EXPECT_EQ(d->call, -1);
  EXPECT_EQ(d->field, "model_text");
  EXPECT_EQ(d->offset, at);
  // On one line, starting with what both share.
  EXPECT_NE(d->a.find("episode 4\\nline two"), std::string::npos) << d->a;
  EXPECT_NE(d->b.find("episode 4\\nLINE two"), std::string::npos) << d->b;
  EXPECT_EQ(d->a.find('\n'), std::string::npos);
  EXPECT_EQ(agentcoder::store::describe(*d), "step 1 model_text at byte " + std::to_string(at));
}

TEST(EpisodeDiff, TheEarliestDifferenceWins) {
  EpisodeRecord a = with_a_call(), b = with_a_call();
  b.steps[1].model_text += "!";
  b.steps[0].tool_calls[0].result += "?";
  b.final_answer += ".";
  auto d = first_difference(a, b);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->step, 0);
  EXPECT_EQ(d->call, 0);
  EXPECT_EQ(d->field, "tool_result");
  EXPECT_EQ(d->offset, a.steps[0].tool_calls[0].result.size());
}

TEST(EpisodeDiff, ToolCallsAndTheirStatus) {
  EpisodeRecord a = with_a_call(), b = with_a_call();
  b.steps[0].tool_calls[0].arguments = R"j({"code": "print(1)"})j";
  auto d = first_difference(a, b);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->field, "tool_call");

  b = with_a_call();
  b.steps[0].tool_calls[0].ok = !a.steps[0].tool_calls[0].ok;
  d = first_difference(a, b);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->field, "tool_status");

  b = with_a_call();
  b.steps[0].tool_calls.push_back(b.steps[0].tool_calls[0]);
  d = first_difference(a, b);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->field, "tool_calls");
  EXPECT_EQ(d->a, "1 calls");
  EXPECT_EQ(d->b, "2 calls");
  EXPECT_EQ(agentcoder::store::describe(*d), "step 0 number of tool_calls");
}

TEST(EpisodeDiff, StepsOutcomeAndAnswerComeLast) {
  EpisodeRecord a = with_a_call(), b = with_a_call();
  b.steps.pop_back();
  auto d = first_difference(a, b);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->step, -1);
  EXPECT_EQ(d->field, "steps");

  b = with_a_call();
  b.stop_reason = "max_tokens";
  d = first_difference(a, b);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->field, "stop_reason");

  b = with_a_call();
  b.final_answer = "answer 29";
  d = first_difference(a, b);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->field, "final_answer");
  EXPECT_EQ(d->offset, std::string("answer 2").size());
}

TEST(EpisodeDiff, LongTextIsCutAroundTheDifference) {
  EpisodeRecord a = with_a_call(), b = with_a_call();
  a.final_answer = std::string(200, 'x') + "A" + std::string(200, 'y');
  b.final_answer = std::string(200, 'x') + "B" + std::string(200, 'y');
  auto d = first_difference(a, b);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->offset, 200u);
  EXPECT_EQ(d->a, "..." + std::string(30, 'x') + "A" + std::string(49, 'y') + "...");
}

TEST(EpisodeDiff, SnippetsEscapeAndKeepCharactersWhole) {
  EpisodeRecord a = with_a_call(), b = with_a_call();
  // A literal backslash-n must not read like an escaped newline; DEL and
  // other control bytes are shown as hex.
  a.final_answer = std::string("x\\n\x7f\x01") + "A";
  b.final_answer = std::string("x\\n\x7f\x01") + "B";
  auto d = first_difference(a, b);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->a, "x\\\\n\\x7f\\x01A");
  // 40 three-byte characters before the difference: the snippet starts on
  // a character, not inside one.
  std::string euros;
  for (int i = 0; i < 40; ++i) euros += "\u20ac";
  a.final_answer = euros + "zA";
  b.final_answer = euros + "zB";
  d = first_difference(a, b);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->offset, 121u);
  // 30 bytes back is byte 91, inside the 31st euro sign: it starts at 93.
  EXPECT_EQ(d->a, "..." + euros.substr(93) + "zA");
}

}  // namespace
