// The episode loop on the tiny model (random weights, so the model's choices
// are arbitrary; the tests check what the loop guarantees whatever it says),
// with a recording toolbox in place of the sandboxed tools.
#include "agent/episode_runner.h"

#include <mutex>

#include <gtest/gtest.h>

#include "agent/distractor_tool.h"
#include "models/model.h"
#include "models/tool_call_parser.h"
#include "utils/errors.h"

using namespace agentcoder;
using namespace agentcoder::agent;

namespace {

class RecordingToolbox : public Toolbox {
 public:
  std::vector<models::ToolSchema> schemas() const override {
    return {{"python", "Run Python code.",
             R"({"type":"object","properties":{"code":{"type":"string"}},"required":["code"]})"}};
  }
  ToolOutcome call(const std::string& name, const std::string& arguments) override {
    std::lock_guard lock(mutex);
    calls.push_back({name, arguments});
    ToolOutcome out;
    out.ok = name == "python";
    out.executed = out.ok;  // an unknown tool is refused before anything runs
    out.error_class = out.ok ? "" : "unknown_tool";
    out.text_for_model = out.ok ? "42\n" : "error: no tool named " + name;
    return out;
  }
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> calls;
};

class EpisodeRunnerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = new models::Model({AGENTCODER_TINY_MODEL}); }
  static void TearDownTestSuite() { delete model_; }
  void SetUp() override {
    models::EngineOptions o;
    o.context_size = 8 * 1024;
    o.parallel = 4;
    o.max_prefixes = 2;
    o.threads = 2;
    engine_ = std::make_unique<models::Engine>(*model_, o);
    chat_ = std::make_unique<models::ChatTemplate>(*model_);
    format_ = load_prompt_format(AGENTCODER_PROMPTS_DIR, "direct");
  }
  EpisodeRunner runner(AgentOptions options = {}) { return EpisodeRunner(*engine_, *chat_, tools_, options); }

  static models::Model* model_;
  std::unique_ptr<models::Engine> engine_;
  std::unique_ptr<models::ChatTemplate> chat_;
  RecordingToolbox tools_;
  PromptFormat format_;
};
models::Model* EpisodeRunnerTest::model_ = nullptr;

AgentOptions small(int max_steps, int per_step = 24) {
  AgentOptions o;
  o.max_steps = max_steps;
  o.max_tokens_per_step = per_step;
  o.max_tokens = 200;
  return o;
}

}  // namespace

TEST_F(EpisodeRunnerTest, PromptFormatsLoadAndMissingOnesAreInputErrors) {
  for (const char* name : {"direct", "cot", "tool_description"}) {
    PromptFormat f = load_prompt_format(AGENTCODER_PROMPTS_DIR, name);
    EXPECT_EQ(f.name, name);
    EXPECT_FALSE(f.system_prompt.empty());
  }
  EXPECT_THROW(load_prompt_format(AGENTCODER_PROMPTS_DIR, "nope"), InputError);
  EXPECT_FALSE(parse_mode("sometimes"));
  EXPECT_EQ(parse_mode("force_tool"), Mode::force_tool);
}

TEST_F(EpisodeRunnerTest, ForceTextOffersNoToolsAndRunsNone) {
  EpisodeRunner r = runner(small(3));
  EpisodeTrace t = r.run({"t1", "What is 6*7?"}, format_, Mode::force_text, 1);
  ASSERT_EQ(t.steps.size(), 1u);
  EXPECT_TRUE(tools_.calls.empty());
  EXPECT_NE(t.stop_reason, StopReason::max_steps);
  for (const auto& c : t.steps[0].tool_calls) EXPECT_FALSE(c.executed);
}

// Forced in the native format, the first reply is constrained to a call: it
// can be cut off by the token budget (malformed) but is never a text answer.
TEST_F(EpisodeRunnerTest, ForceToolMakesTheFirstReplyACall) {
  EpisodeRunner r = runner(small(2, 48));
  EpisodeTrace t = r.run({"t2", "What is 6*7?"}, format_, Mode::force_tool, 1);
  ASSERT_FALSE(t.steps.empty());
  EXPECT_NE(t.first_decision(), ReplyKind::text) << t.steps[0].model_text;
  if (t.first_decision() == ReplyKind::tool_call) {
    ASSERT_FALSE(tools_.calls.empty());
    EXPECT_EQ(tools_.calls[0].first, "python");
    EXPECT_TRUE(nlohmann::json::parse(tools_.calls[0].second).is_object());
    ASSERT_FALSE(t.steps[0].tool_calls.empty());
    // The toolbox's word on whether the tool ran is what the trace keeps.
    EXPECT_EQ(t.steps[0].tool_calls[0].executed, t.steps[0].tool_calls[0].call.name == "python");
    EXPECT_EQ(t.steps[0].tool_calls[0].result_for_model, "42\n");
  }
}

// In the harness format the prefill is the call form the format accepts: a
// fenced python block where fenced code is a call, else the JSON opener.
TEST_F(EpisodeRunnerTest, ForceToolInTheHarnessFormatPrefillsTheCallFormItAccepts) {
  chat_->force_harness_format();
  EpisodeRunner fenced = runner(small(2));
  EpisodeTrace t = fenced.run({"t3", "What is 6*7?"}, format_, Mode::force_tool, 1);
  ASSERT_FALSE(t.steps.empty());
  EXPECT_EQ(t.steps[0].prompt_prefill, "```python\n");
  EXPECT_NE(t.first_decision(), ReplyKind::text);
  if (t.first_decision() == ReplyKind::tool_call) {
    EXPECT_EQ(t.steps[0].tool_calls.at(0).call.name, "python");
  }

  AgentOptions json_calls = small(2);
  json_calls.fenced_code_is_call = false;
  EpisodeTrace j = runner(json_calls).run({"t3", "What is 6*7?"}, format_, Mode::force_tool, 1);
  ASSERT_FALSE(j.steps.empty());
  EXPECT_EQ(j.steps[0].prompt_prefill.rfind("<tool_call>", 0), 0u);
  EXPECT_NE(j.first_decision(), ReplyKind::text);

  AgentOptions opener = small(2);
  opener.forced_call_form = ForcedCallForm::call_opener;
  EXPECT_EQ(runner(opener).run({"t3", "What is 6*7?"}, format_, Mode::force_tool, 1).steps.at(0).prompt_prefill.rfind(
                "<tool_call>", 0),
            0u);

  // A fenced prefill where fenced code is no call is refused, not silently swapped.
  json_calls.forced_call_form = ForcedCallForm::fenced_code;
  EXPECT_THROW(first_turn(*chat_, tools_.schemas(), format_, Mode::force_tool, {"t3", "What is 6*7?"}, json_calls), InputError);
  EXPECT_EQ(runner(json_calls).run({"t3", "What is 6*7?"}, format_, Mode::force_tool, 1).stop_reason, StopReason::error);
}

TEST_F(EpisodeRunnerTest, StepAndTokenLimitsStopTheEpisode) {
  EpisodeRunner one_step = runner(small(1, 48));
  EpisodeTrace t = one_step.run({"t4", "What is 6*7?"}, format_, Mode::force_tool, 1);
  ASSERT_EQ(t.steps.size(), 1u);
  EXPECT_EQ(t.stop_reason, StopReason::max_steps);  // a call (or a broken one) needs another step

  AgentOptions tiny_budget = small(4, 3);
  tiny_budget.max_tokens = 3;
  EpisodeRunner budget = runner(tiny_budget);
  EpisodeTrace b = budget.run({"t5", "Tell me a long story."}, format_, Mode::force_text, 1);
  // Greedy on the fixed tiny model, this reply is always the same and does not
  // end by itself within 3 tokens; should a new fixture change that, the test
  // fails here (pick another prompt), it does not skip.
  ASSERT_FALSE(b.steps.empty());
  ASSERT_EQ(b.steps[0].generation_stop, GenerationStop::max_tokens)
      << "step 0 stopped by " << to_string(b.steps[0].generation_stop) << ", not its 3-token budget";
  EXPECT_EQ(b.stop_reason, StopReason::max_tokens);
  EXPECT_LE(b.steps[0].stats.generated_tokens, 3);
}

TEST_F(EpisodeRunnerTest, ProbeIsAProbability) {
  EpisodeRunner r = runner(small(1));
  EpisodeTrace t = r.run({"t6", "What is 6*7?"}, format_, Mode::free, 1);
  ASSERT_TRUE(t.p_tool.has_value());
  EXPECT_GE(*t.p_tool, 0.0);
  EXPECT_LE(*t.p_tool, 1.0);
  // p_tool is the sum of its openers' terms, each a probability.
  ASSERT_FALSE(t.probe_openers.empty());
  double sum = 0;
  for (const auto& o : t.probe_openers) {
    EXPECT_FALSE(o.tokens.empty()) << o.opener;
    EXPECT_GE(o.p, 0.0);
    sum += o.p;
  }
  EXPECT_DOUBLE_EQ(*t.p_tool, sum);
  // The forced modes decide nothing, so nothing is measured there.
  EpisodeTrace forced = r.run({"t6", "What is 6*7?"}, format_, Mode::force_tool, 1);
  EXPECT_FALSE(forced.p_tool.has_value());
  EXPECT_TRUE(forced.probe_openers.empty());
  EXPECT_FALSE(r.run({"t6", "What is 6*7?"}, format_, Mode::force_text, 1).p_tool.has_value());
}

// Where the model decides with nothing useful offered (no_tools,
// distractor), the probe measures the propensity to a hallucinated call: in
// the harness format only the call syntax opens one there, since a fenced
// block is a python call only where python is offered.
TEST_F(EpisodeRunnerTest, TheHallucinationModesAreProbedForTheCallSyntaxAlone) {
  chat_->force_harness_format();
  EpisodeRunner r = runner(small(1));
  EpisodeTrace free = r.run({"t7", "What is 6*7?"}, format_, Mode::free, 1);
  ASSERT_GT(free.probe_openers.size(), 1u) << "free: the call opener and the python fences";
  for (Mode mode : {Mode::no_tools, Mode::distractor}) {
    SCOPED_TRACE(to_string(mode));
    EpisodeTrace t = r.run({"t7", "What is 6*7?"}, format_, mode, 1);
    ASSERT_TRUE(t.p_tool.has_value());
    ASSERT_EQ(t.probe_openers.size(), 1u);
    EXPECT_EQ(t.probe_openers[0].opener, models::harness_call_opener());
    EXPECT_DOUBLE_EQ(*t.p_tool, t.probe_openers[0].p);
    EXPECT_GE(*t.p_tool, 0.0);
    EXPECT_LE(*t.p_tool, 1.0);
  }
}

// Many episodes at once give the same traces as one at a time (greedy).
TEST_F(EpisodeRunnerTest, ParallelEpisodesMatchSequentialOnes) {
  EpisodeRunner r = runner(small(2));
  r.share_prefix(format_, Mode::free);
  r.share_prefix(format_, Mode::force_text);
  std::vector<EpisodeSpec> specs;
  const char* prompts[] = {"What is 6*7?", "Reverse 'abc'.", "Sort [3,1,2].", "Explain recursion."};
  for (int i = 0; i < 8; ++i)
    specs.push_back({{"p" + std::to_string(i), prompts[i % 4]}, &format_, i % 2 ? Mode::force_text : Mode::free, 1});
  auto collect = [&](int parallel) {
    std::vector<EpisodeTrace> out(specs.size());
    std::mutex m;
    run_episodes(r, specs, parallel, [&](size_t i, EpisodeTrace&& t) {
      std::lock_guard lock(m);
      out[i] = std::move(t);
    });
    return out;
  };
  auto sequential = collect(1);
  auto parallel = collect(4);
  for (size_t i = 0; i < specs.size(); ++i) {
    ASSERT_EQ(sequential[i].steps.size(), parallel[i].steps.size()) << i;
    for (size_t s = 0; s < sequential[i].steps.size(); ++s)
      EXPECT_EQ(sequential[i].steps[s].model_text, parallel[i].steps[s].model_text) << i;
    EXPECT_EQ(sequential[i].stop_reason, parallel[i].stop_reason);
  }
  EXPECT_GT(engine_->totals().requests_done, 0u);
}

// A conversation that no longer fits the sequence's context ends the episode
// with context_full, whatever the model would have said.
TEST_F(EpisodeRunnerTest, AConversationPastTheContextStopsWithContextFull) {
  models::EngineOptions o;
  o.context_size = 2048;
  o.context_per_request = 96;
  o.parallel = 1;
  o.threads = 2;
  models::Engine small_engine(*model_, o);
  EpisodeRunner r(small_engine, *chat_, tools_, small(3));
  std::string long_prompt = "Sum these numbers:";
  for (int i = 0; i < 60; ++i) long_prompt += " " + std::to_string(1000 + i);
  EpisodeTrace t = r.run({"t7", long_prompt}, format_, Mode::free, 1);
  EXPECT_EQ(t.stop_reason, StopReason::context_full);
  ASSERT_EQ(t.steps.size(), 1u);
  EXPECT_EQ(t.steps[0].generation_stop, GenerationStop::context_full);
  EXPECT_TRUE(tools_.calls.empty());
}

// A prompt that cannot be rendered (here: a tool whose schema is not JSON)
// ends the episode with the error stop and its message, not an exception.
TEST_F(EpisodeRunnerTest, AnUnrenderablePromptStopsWithError) {
  class BrokenToolbox : public RecordingToolbox {
   public:
    std::vector<models::ToolSchema> schemas() const override { return {{"python", "Run Python.", "{not json"}}; }
  } broken;
  EpisodeRunner r(*engine_, *chat_, broken, small(2));
  EpisodeTrace t = r.run({"t8", "What is 6*7?"}, format_, Mode::free, 1);
  EXPECT_EQ(t.stop_reason, StopReason::error);
  EXPECT_FALSE(t.error.empty());
  EXPECT_TRUE(t.steps.empty());
  EXPECT_TRUE(broken.calls.empty());
}

// ---- a task with its own functions (BFCL) ----

namespace {

EpisodeTask weather_task(const std::string& id) {
  return {id, "Is it raining in Paris right now?",
          {{"get_weather", "The current weather of a city.",
            R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})"},
           {"get_time_zone", "The time zone of a city.",
            R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})"}}};
}

}  // namespace

// The model is offered the task's functions, in place of the run's tools,
// in either tool format; fenced code is no python call there.
TEST_F(EpisodeRunnerTest, ATaskWithFunctionsIsPosedWithThemAndNotTheRunsTools) {
  for (bool harness : {false, true}) {
    if (harness) chat_->force_harness_format();
    SCOPED_TRACE(harness ? "harness" : "native");
    const std::string plain = first_turn(*chat_, tools_.schemas(), format_, Mode::free, {"t", "Hi"}, AgentOptions{});
    ASSERT_NE(plain.find("python"), std::string::npos) << "the run's tool is offered to a task without functions";
    const std::string turn = first_turn(*chat_, tools_.schemas(), format_, Mode::free, weather_task("w"), AgentOptions{});
    EXPECT_NE(turn.find("get_weather"), std::string::npos) << turn;
    EXPECT_NE(turn.find("get_time_zone"), std::string::npos) << turn;
    EXPECT_EQ(turn.find("python"), std::string::npos) << turn;
  }
}

// The functions exist only as schemas: whatever the model replies, nothing
// runs, a call is recorded as not run by design, and the first reply ends
// the episode, also where it attempts a call (the tiny model's force_tool
// replies are malformed attempts, after which a task without functions goes
// on to another step). A call that parses is tested on the default model
// (default_model_episode_test.cpp).
TEST_F(EpisodeRunnerTest, ATaskWithFunctionsRunsNothingAndEndsAtTheFirstReply) {
  EpisodeRunner r = runner(small(3, 64));
  int attempts = 0;
  for (Mode mode : {Mode::free, Mode::force_tool}) {
    for (int i = 0; i < 3; ++i) {
      EpisodeTrace t = r.run(weather_task("w" + std::to_string(i)), format_, mode, static_cast<uint32_t>(i));
      ASSERT_EQ(t.steps.size(), 1u) << t.error;
      const StepTrace& st = t.steps[0];
      const bool cut = st.generation_stop == GenerationStop::max_tokens;
      EXPECT_EQ(t.stop_reason, cut ? StopReason::max_tokens : StopReason::first_reply) << st.model_text;
      for (const ToolCallTrace& c : st.tool_calls) {
        EXPECT_FALSE(c.executed);
        EXPECT_FALSE(c.ok);
        EXPECT_EQ(c.error_class, kNotRunByDesign);
      }
      EXPECT_EQ(st.tool_calls.size(), st.reply.tool_calls.size());
      attempts += st.reply.kind != ReplyKind::text;
    }
  }
  EXPECT_TRUE(tools_.calls.empty()) << "a task's function reached the run's toolbox";
  EXPECT_GT(attempts, 0) << "every reply was text: ending at the first reply was not exercised";
}

// no_tools poses the task exactly as force_text does (no tools, nothing said
// about them); distractor offers the weather lookup alone. Neither runs
// anything, and both end at the first reply, a call recorded as not run:
// to the distractor by design, to anything else as a tool not offered.
TEST_F(EpisodeRunnerTest, HallucinationModesOfferNothingOrTheDistractorAndRunNothing) {
  for (bool harness : {false, true}) {
    if (harness) chat_->force_harness_format();
    SCOPED_TRACE(harness ? "harness" : "native");
    const std::string none = first_turn(*chat_, tools_.schemas(), format_, Mode::no_tools, {"t", "Hi"}, AgentOptions{});
    EXPECT_EQ(none, first_turn(*chat_, tools_.schemas(), format_, Mode::force_text, {"t", "Hi"}, AgentOptions{}));
    EXPECT_EQ(none.find("python"), std::string::npos) << none;
    const std::string distractor =
        first_turn(*chat_, tools_.schemas(), format_, Mode::distractor, {"t", "Hi"}, AgentOptions{});
    EXPECT_NE(distractor.find(distractor_tool().name), std::string::npos) << distractor;
    EXPECT_EQ(distractor.find("python"), std::string::npos) << distractor;
  }
  EpisodeRunner r = runner(small(3, 64));
  for (Mode mode : {Mode::no_tools, Mode::distractor}) {
    for (int i = 0; i < 3; ++i) {
      EpisodeTrace t = r.run({"h" + std::to_string(i), "What is 6*7?"}, format_, mode, static_cast<uint32_t>(i));
      ASSERT_EQ(t.steps.size(), 1u) << to_string(mode) << ": " << t.error;
      for (const ToolCallTrace& c : t.steps[0].tool_calls) {
        EXPECT_FALSE(c.executed);
        const bool to_distractor = mode == Mode::distractor && c.call.name == distractor_tool().name;
        EXPECT_EQ(c.error_class, to_distractor ? kNotRunByDesign : "tools_not_offered") << c.call.name;
      }
    }
  }
  EXPECT_TRUE(tools_.calls.empty()) << "a hallucination mode reached the run's toolbox";
}
