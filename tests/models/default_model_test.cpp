// Integration tests on the real default model (SmolLM2-135M-Instruct Q4_1,
// fetched by scripts/setup.sh): batched decoding against decoding alone,
// prefix sharing, and the harness tool format end to end.
#include <filesystem>
#include <functional>

#include <gtest/gtest.h>

#include "models/chat_template.h"
#include "models/engine.h"
#include "models/model.h"
#include "utils/paths.h"

using namespace agentcoder;
using namespace agentcoder::models;

namespace {

const std::vector<std::string> kQuestions = {
    "What is a Python list comprehension?", "Write a function that reverses a string.",
    "What does len([1, 2, 3]) return?",     "Explain recursion in one sentence.",
    "How do I read a file in Python?",      "What is 17 * 23?",
    "Name three sorting algorithms.",       "What is a dictionary in Python?"};

class DefaultModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string path = agentcoder::default_model_path();
    ASSERT_TRUE(std::filesystem::exists(path)) << "default model missing at " << path << "; run scripts/setup.sh";
    model_ = new Model({path});
    chat_ = new ChatTemplate(*model_);
  }
  static void TearDownTestSuite() {
    delete chat_;
    delete model_;
  }
  static EngineOptions options(int parallel, int prefixes = 0) {
    EngineOptions o;
    o.context_size = 8192;
    o.parallel = parallel;
    o.max_prefixes = prefixes;
    o.threads = 2;
    return o;
  }
  static std::string prompt(const std::string& user) {
    return chat_->render({{"system", "You are a concise coding assistant."}, {"user", user}}, {}).prompt;
  }
  // A system prompt of about 440 tokens: requests that use it hold more than
  // 512 cells, where ggml's flash attention has its split-cache path.
  static std::string long_system() {
    std::string system = "You are a concise coding assistant.";
    for (int i = 0; i < 60; ++i) system += " Rule " + std::to_string(i) + ": think before you run code.";
    return system;
  }
  // The first n of kQuestions under long_system(), shaped by `set`, one at a
  // time or all submitted together; the results in order.
  static std::vector<GenerationResult> generate_all(Engine& engine, size_t n, bool together,
                                                    const std::function<void(size_t, GenerationRequest&)>& set) {
    std::vector<std::future<GenerationResult>> futures;
    std::vector<GenerationResult> out;
    for (size_t i = 0; i < n; ++i) {
      GenerationRequest r;
      r.prompt_tokens = engine.tokenize(chat_->render({{"system", long_system()}, {"user", kQuestions[i]}}, {}).prompt);
      set(i, r);
      futures.push_back(engine.submit(std::move(r)));
      if (!together) out.push_back(futures.back().get());
    }
    if (together)
      for (auto& f : futures) out.push_back(f.get());
    return out;
  }
  // Reply i of `batched` has the tokens of reply i of `alone`, and both
  // replies generated some: two failed or empty replies are no match.
  static void expect_same_replies(const std::vector<GenerationResult>& alone,
                                  const std::vector<GenerationResult>& batched) {
    ASSERT_EQ(batched.size(), alone.size());
    for (size_t i = 0; i < alone.size(); ++i) {
      EXPECT_NE(alone[i].stop, GenerationStop::error) << kQuestions[i] << ": " << alone[i].error;
      EXPECT_NE(batched[i].stop, GenerationStop::error) << kQuestions[i] << ": " << batched[i].error;
      EXPECT_FALSE(alone[i].tokens.empty()) << kQuestions[i] << ": nothing generated alone";
      EXPECT_EQ(batched[i].tokens, alone[i].tokens) << kQuestions[i];
    }
  }
  static Model* model_;
  static ChatTemplate* chat_;
};
Model* DefaultModelTest::model_ = nullptr;
ChatTemplate* DefaultModelTest::chat_ = nullptr;


}  // namespace

TEST_F(DefaultModelTest, UsesTheHarnessToolFormat) {
  ModelInfo info = model_->info();
  EXPECT_EQ(info.architecture, "llama");
  EXPECT_TRUE(info.has_chat_template);
  EXPECT_FALSE(info.template_renders_tools);
  EXPECT_EQ(chat_->tool_format(), ToolFormat::harness);
}

// Greedy output of every sequence decoded in a batch of 8 equals the same
// sequence decoded alone. (On this CPU build llama.cpp computes each row of a
// batch with the same kernels, so the match is exact; see README.)
TEST_F(DefaultModelTest, BatchedGreedyMatchesAlone) {
  std::vector<GenerationResult> alone;
  {
    Engine engine(*model_, options(1));
    for (const auto& q : kQuestions) {
      GenerationRequest r;
      r.prompt_tokens = engine.tokenize(prompt(q));
      r.sampling.max_tokens = 24;
      alone.push_back(engine.generate(std::move(r)));
    }
  }
  Engine engine(*model_, options(8));
  std::vector<std::future<GenerationResult>> futures;
  for (const auto& q : kQuestions) {
    GenerationRequest r;
    r.prompt_tokens = engine.tokenize(prompt(q));
    r.sampling.max_tokens = 24;
    futures.push_back(engine.submit(std::move(r)));
  }
  std::vector<GenerationResult> batched;
  for (auto& f : futures) batched.push_back(f.get());
  expect_same_replies(alone, batched);
}

TEST_F(DefaultModelTest, SharedSystemPromptGivesTheSameReplies) {
  std::string system = chat_->render({{"system", "You are a concise coding assistant."}}, {}, {.add_generation_prompt = false}).prompt;
  std::vector<GenerationResult> plain;
  {
    Engine engine(*model_, options(4));
    for (size_t i = 0; i < 4; ++i) {
      GenerationRequest r;
      r.prompt_tokens = engine.tokenize(prompt(kQuestions[i]));
      r.sampling.max_tokens = 16;
      plain.push_back(engine.generate(std::move(r)));
    }
  }
  Engine engine(*model_, options(4, 1));
  auto prefix = engine.tokenize(system);
  engine.add_prefix(prefix);
  std::vector<GenerationResult> shared;
  for (size_t i = 0; i < 4; ++i) {
    GenerationRequest r;
    r.prompt_tokens = engine.tokenize(prompt(kQuestions[i]));
    r.sampling.max_tokens = 16;
    shared.push_back(engine.generate(std::move(r)));
    EXPECT_EQ(shared.back().stats.prefix_reused_tokens, static_cast<int>(prefix.size())) << "prefix did not match";
  }
  expect_same_replies(plain, shared);
}

TEST_F(DefaultModelTest, ToolPromptGivesAClassifiedReply) {
  std::vector<ToolSchema> tools = {{"python", "Run Python 3 code and return what it prints.",
                                    R"({"type":"object","properties":{"code":{"type":"string"}},"required":["code"]})"}};
  RenderedChat rendered = chat_->render({{"user", "Compute the sum of the squares of 1..100."}}, tools,
                                        {.fenced_code_is_call = true});
  EXPECT_NE(rendered.prompt.find("<tool_call>"), std::string::npos);
  Engine engine(*model_, options(1));
  GenerationRequest r;
  r.prompt_tokens = engine.tokenize(rendered.prompt);
  r.sampling.max_tokens = 120;
  GenerationResult result = engine.generate(std::move(r));
  ASSERT_NE(result.stop, GenerationStop::error) << result.error;
  EXPECT_FALSE(result.text.empty());
  ParsedReply reply = chat_->parse(result.text, rendered);
  if (reply.kind == ReplyKind::tool_call) {
    EXPECT_EQ(reply.tool_calls[0].name, "python");
  } else if (reply.kind == ReplyKind::malformed) {
    EXPECT_FALSE(reply.errors.empty());
  } else {
    EXPECT_FALSE(reply.content.empty());
  }
}

// With long prompts (a ~440-token shared system prompt) and 2 threads,
// batched replies can differ from replies decoded alone (README, "Batch
// invariance"); with one thread they do not. This pins down what holds.
// Long prompts (a cache of more than 512 cells), two threads: a request
// decoded alone gives the same tokens as beside three others. Alone, every
// decode is a single token, which ggml would run on its split-cache path
// but for the engine's pad token (Engine::step).
TEST_F(DefaultModelTest, LongPromptsBatchedMatchAloneWithTwoThreads) {
  std::string prefix = chat_->render({{"system", long_system()}}, {}, {.add_generation_prompt = false}).prompt;
  auto run = [&](bool together) {
    EngineOptions o = options(4, 1);
    o.context_size = 1024 * 5;
    Engine engine(*model_, o);
    engine.add_prefix(engine.tokenize(prefix));
    return generate_all(engine, 4, together, [](size_t, GenerationRequest& r) {
      EXPECT_GT(r.prompt_tokens.size(), 512u);
      r.sampling.max_tokens = 24;
    });
  };
  auto alone = run(false);
  auto batched = run(true);
  expect_same_replies(alone, batched);
}

// The schedule must not matter either: here half the requests stop after
// three tokens, so the rest decode on sequences 0, 2, 4 and 6. llama.cpp
// puts only runs of consecutive sequence ids in one ubatch, so without the
// engine's pads for the ids in between each would decode alone on ggml's
// split-cache path and differ from the same request run by itself.
TEST_F(DefaultModelTest, RequestsOnScatteredSlotsMatchAlone) {
  auto run = [&](bool together) {
    EngineOptions o = options(8);
    o.context_size = 1024 * 8;
    Engine engine(*model_, o);
    return generate_all(engine, kQuestions.size(), together, [](size_t i, GenerationRequest& r) {
      r.sampling.max_tokens = i % 2 == 0 ? 32 : 3;
      r.sampling.ignore_eos = true;
    });
  };
  auto alone = run(false);
  auto together = run(true);
  expect_same_replies(alone, together);
  for (size_t i = 0; i < alone.size(); ++i)
    EXPECT_EQ(alone[i].tokens.size(), i % 2 == 0 ? 32u : 3u) << kQuestions[i] << ": not the schedule described";
}
