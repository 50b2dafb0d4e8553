// to_record(): a trace written by hand becomes the stored record the
// metrics read: names for the agent's enums, the task's labels, totals
// over steps and tool calls, the first decision and tool, the KV memory.
#include <gtest/gtest.h>

#include "experiment/record_mapping.h"

namespace {

using namespace agentcoder;

agent::StepTrace step(ReplyKind kind, int prompt_tokens, int generated, double decode_ms, uint64_t kv_bytes) {
  agent::StepTrace s;
  s.model_text = "reply";
  s.reply.kind = kind;
  s.reply.content = "content";
  s.stats.prompt_tokens = prompt_tokens;
  s.stats.generated_tokens = generated;
  s.stats.decode_ms = decode_ms;
  s.stats.prompt_eval_ms = 1.5;
  s.stats.queued_ms = 0.25;
  s.stats.kv_bytes = kv_bytes;
  return s;
}

TEST(RecordMapping, AnEpisodeWithACallThenAnAnswer) {
  agent::EpisodeTrace t;
  t.stop_reason = StopReason::final_answer;
  t.final_answer = "42";
  t.p_tool = 0.75;
  t.probe_openers = {{"<tool_call>", {151657}, 0.5}, {"```py", {73594, 3288}, 0.25}};
  t.wall_ms = 900;
  agent::StepTrace call = step(ReplyKind::tool_call, 100, 20, 40.0, 4096);
  call.reply.tool_calls = {{"c1", "python", "{\"code\": \"print(6*7)\"}"}};
  call.tool_calls.push_back({call.reply.tool_calls[0], true, true, "", "42\n", {{"exit_code", 0}}, 12.5});
  call.generation_stop = GenerationStop::stop_string;
  t.steps.push_back(call);
  t.steps.push_back(step(ReplyKind::text, 130, 5, 10.0, 8192));

  data::Task task;
  task.id = "t1";
  task.category = data::Category::execution_required;
  task.difficulty = data::Difficulty::hard;
  task.optimal_tool = "python";
  store::EpisodeKey key;
  key.task_id = "t1";
  store::EpisodeRecord r = experiment::to_record(t, key, "base", task);

  EXPECT_EQ(r.key, key);
  EXPECT_EQ(r.variant, "base");
  EXPECT_EQ(r.category, "execution_required");
  EXPECT_EQ(r.difficulty, "hard");
  EXPECT_EQ(r.optimal_tool, "python");
  EXPECT_EQ(r.stop_reason, "final_answer");
  EXPECT_EQ(r.final_answer, "42");
  EXPECT_EQ(r.first_decision, "tool_call");
  EXPECT_EQ(r.first_tool, "python");
  ASSERT_TRUE(r.p_tool.has_value());
  EXPECT_DOUBLE_EQ(*r.p_tool, 0.75);
  const std::vector<store::ProbeOpenerRecord> openers = {{"<tool_call>", {151657}, 0.5},
                                                         {"```py", {73594, 3288}, 0.25}};
  EXPECT_EQ(r.probe_openers, openers);
  EXPECT_FALSE(r.p_text.has_value()) << "1 - p_tool is not a measurement";
  EXPECT_EQ(r.prompt_tokens, 230);
  EXPECT_EQ(r.generated_tokens, 25);
  EXPECT_DOUBLE_EQ(r.decode_ms, 50.0);
  EXPECT_DOUBLE_EQ(r.prompt_eval_ms, 3.0);
  EXPECT_DOUBLE_EQ(r.queue_ms, 0.5);
  EXPECT_DOUBLE_EQ(r.tool_ms, 12.5);
  EXPECT_DOUBLE_EQ(r.wall_ms, 900);
  EXPECT_EQ(r.extra["kv_bytes"], 8192);  // the most one step held, not the sum
  ASSERT_EQ(r.steps.size(), 2u);
  EXPECT_EQ(r.steps[0].reply_kind, "tool_call");
  EXPECT_EQ(r.steps[0].generation_stop, "stop_string");
  ASSERT_EQ(r.steps[0].tool_calls.size(), 1u);
  const store::ToolCallRecord& c = r.steps[0].tool_calls[0];
  EXPECT_EQ(c.call_id, "c1");
  EXPECT_EQ(c.tool, "python");
  EXPECT_TRUE(c.executed);
  EXPECT_TRUE(c.ok);
  EXPECT_EQ(c.result, "42\n");
  EXPECT_EQ(c.record["exit_code"], 0);
  EXPECT_EQ(r.steps[1].reply_kind, "text");
  EXPECT_EQ(r.tool_call_count(), 1);
}

TEST(RecordMapping, AnErrorBeforeAnyStep) {
  agent::EpisodeTrace t;
  t.stop_reason = StopReason::error;
  t.error = "template failed";
  store::EpisodeRecord r = experiment::to_record(t, {}, "base", data::Task{});
  EXPECT_EQ(r.stop_reason, "error");
  EXPECT_EQ(r.error, "template failed");
  EXPECT_EQ(r.first_tool, "");
  EXPECT_TRUE(r.steps.empty());
  EXPECT_EQ(r.extra["kv_bytes"], 0);
}

}  // namespace
