// The batched engine on the tiny model: determinism, continuous batching,
// prefix sharing, stop rules, sampling, grammar and the decision probe.
#include "models/engine.h"

#include <chrono>
#include <cmath>
#include <regex>

#include <gtest/gtest.h>

#include "models/model.h"

using namespace agentcoder;
using namespace agentcoder::models;

namespace {

class EngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = new Model({std::string(AGENTCODER_TINY_MODEL)}); }
  static void TearDownTestSuite() { delete model_; }

  static EngineOptions options(int parallel, int prefixes = 0) {
    EngineOptions o;
    o.context_size = 4096;
    o.parallel = parallel;
    o.max_prefixes = prefixes;
    o.threads = 2;
    return o;
  }
  GenerationRequest request(Engine& engine, const std::string& text, int max_tokens, float temperature = 0,
                            uint32_t seed = 0) {
    GenerationRequest r;
    r.prompt_tokens = engine.tokenize(text);
    r.sampling.max_tokens = max_tokens;
    r.sampling.temperature = temperature;
    r.sampling.seed = seed;
    return r;
  }
  static Model* model_;
};
Model* EngineTest::model_ = nullptr;

const std::vector<std::string> kPrompts = {
    "The quick brown fox", "def fibonacci(n):", "Once upon a time in a land far away, there lived",
    "import numpy as np\nx = np.arange(10)", "SELECT * FROM", "1, 2, 3, 5, 8, 13,"};

}  // namespace

TEST_F(EngineTest, GreedyIsDeterministic) {
  Engine engine(*model_, options(1));
  auto a = engine.generate(request(engine, kPrompts[1], 12));
  auto b = engine.generate(request(engine, kPrompts[1], 12));
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_EQ(a.text, b.text);
  EXPECT_EQ(a.stats.generated_tokens, static_cast<int>(a.tokens.size()));
  EXPECT_EQ(a.stats.prompt_tokens, static_cast<int>(engine.tokenize(kPrompts[1]).size()));
}

// Sequences join and leave the batch between steps (different lengths, more
// requests than slots); each must get exactly what it gets decoded alone,
// to the bit of its first logits, with the default KV cache and a quantized one.
TEST_F(EngineTest, BatchedGreedyMatchesAlone) {
  for (const char* kv : {"f16", "q8_0"}) {
    auto make = [&](int parallel) {
      EngineOptions o = options(parallel);
      o.kv_type = kv;
      return o;
    };
    auto ask = [&](Engine& engine, size_t i) {
      GenerationRequest r = request(engine, kPrompts[i], 6 + 3 * static_cast<int>(i));
      r.keep_first_logits = true;
      return r;
    };
    std::vector<GenerationResult> alone;
    {
      Engine engine(*model_, make(1));
      for (size_t i = 0; i < kPrompts.size(); ++i) alone.push_back(engine.generate(ask(engine, i)));
    }
    Engine engine(*model_, make(4));
    std::vector<std::future<GenerationResult>> futures;
    for (size_t i = 0; i < kPrompts.size(); ++i) futures.push_back(engine.submit(ask(engine, i)));
    for (size_t i = 0; i < futures.size(); ++i) {
      GenerationResult r = futures[i].get();
      ASSERT_NE(alone[i].stop, GenerationStop::error) << kv << ": " << alone[i].error;
      EXPECT_FALSE(alone[i].tokens.empty()) << kv << ", prompt " << i << ": nothing to compare";
      EXPECT_EQ(r.tokens, alone[i].tokens) << kv << ", prompt " << i;
      EXPECT_EQ(r.stop, alone[i].stop);
      ASSERT_FALSE(alone[i].first_logits.empty()) << kv;
      EXPECT_EQ(r.first_logits, alone[i].first_logits) << kv << ", prompt " << i << ": first logits differ";
    }
    auto totals = engine.totals();
    EXPECT_EQ(totals.requests_done, kPrompts.size());
    // Batching means fewer decode calls than tokens generated.
    EXPECT_LT(totals.decode_calls, totals.tokens_generated);
  }
}

TEST_F(EngineTest, SharedPrefixIsEvaluatedOnceAndGivesTheSameResult) {
  std::string prefix = "<|im_start|>system\nYou are a helpful assistant that can run Python code.<|im_end|>\n";
  std::vector<std::string> suffixes = {"<|im_start|>user\nhi<|im_end|>\n", "<|im_start|>user\nadd 2 and 3<|im_end|>\n",
                                       "<|im_start|>user\nsort [3,1,2]<|im_end|>\n"};
  std::vector<GenerationResult> plain;
  uint64_t plain_evaluated;
  {
    Engine engine(*model_, options(4, 1));
    std::vector<std::future<GenerationResult>> f;
    for (const auto& s : suffixes) f.push_back(engine.submit(request(engine, prefix + s, 8)));
    for (auto& x : f) plain.push_back(x.get());
    plain_evaluated = engine.totals().prompt_tokens_evaluated;
  }
  Engine engine(*model_, options(4, 1));
  std::vector<int32_t> prefix_tokens = engine.tokenize(prefix);
  EXPECT_EQ(engine.add_prefix(prefix_tokens), static_cast<int>(prefix_tokens.size()));
  std::vector<std::future<GenerationResult>> f;
  uint64_t suffix_tokens = 0;
  for (const auto& s : suffixes) {
    auto r = request(engine, prefix + s, 8);
    suffix_tokens += r.prompt_tokens.size() - prefix_tokens.size();
    f.push_back(engine.submit(std::move(r)));
  }
  for (size_t i = 0; i < f.size(); ++i) {
    GenerationResult r = f[i].get();
    EXPECT_EQ(r.stats.prefix_reused_tokens, static_cast<int>(prefix_tokens.size()));
    EXPECT_EQ(r.tokens, plain[i].tokens) << "suffix " << i;
  }
  uint64_t shared_evaluated = engine.totals().prompt_tokens_evaluated;
  EXPECT_EQ(shared_evaluated, prefix_tokens.size() + suffix_tokens);
  EXPECT_EQ(plain_evaluated, suffixes.size() * prefix_tokens.size() + suffix_tokens);
}

// ignore_eos: the random model may sample an end-of-generation token; the
// test is about the limit, whatever was sampled.
TEST_F(EngineTest, MaxTokensStops) {
  Engine engine(*model_, options(1));
  auto req = request(engine, kPrompts[0], 5, 1.0f, 3);
  req.sampling.ignore_eos = true;
  auto r = engine.generate(std::move(req));
  EXPECT_EQ(r.stop, GenerationStop::max_tokens);
  EXPECT_EQ(r.tokens.size(), 5u);
}

TEST_F(EngineTest, StopStringEndsTheReplyBeforeIt) {
  Engine engine(*model_, options(1));
  auto full = engine.generate(request(engine, kPrompts[2], 16, 1.0f, 11));
  ASSERT_GE(full.tokens.size(), 6u);
  // Stop at the text of the 5th token: the reply must end right before it.
  std::string stop = engine.detokenize({full.tokens[4]});
  size_t expected_end = full.text.find(stop);
  ASSERT_NE(expected_end, std::string::npos);
  auto req = request(engine, kPrompts[2], 16, 1.0f, 11);
  req.sampling.stop = {stop};
  auto r = engine.generate(std::move(req));
  EXPECT_EQ(r.stop, GenerationStop::stop_string);
  EXPECT_EQ(r.text, full.text.substr(0, expected_end));
}

TEST_F(EngineTest, ContextFullStopsGenerationAndRefusesLongPrompts) {
  EngineOptions o = options(1);
  o.context_per_request = 32;
  Engine engine(*model_, o);
  auto req = request(engine, kPrompts[2], 100, 1.0f, 5);
  req.sampling.ignore_eos = true;  // run into the context, whatever the random model samples
  int prompt = static_cast<int>(req.prompt_tokens.size());
  auto r = engine.generate(std::move(req));
  EXPECT_EQ(r.stop, GenerationStop::context_full);
  EXPECT_EQ(prompt + static_cast<int>(r.tokens.size()), 32 - 1 + 1);

  std::string long_text;
  for (int i = 0; i < 40; ++i) long_text += "word ";
  auto too_long = engine.generate(request(engine, long_text, 4));
  EXPECT_EQ(too_long.stop, GenerationStop::context_full);
  EXPECT_TRUE(too_long.tokens.empty());
  EXPECT_NE(too_long.error.find("does not fit"), std::string::npos);
}

TEST_F(EngineTest, SeededSamplingIsReproducible) {
  Engine engine(*model_, options(2));
  auto a = engine.generate(request(engine, kPrompts[3], 10, 1.0f, 1234));
  auto b = engine.generate(request(engine, kPrompts[3], 10, 1.0f, 1234));
  auto c = engine.generate(request(engine, kPrompts[3], 10, 1.0f, 999));
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_NE(a.tokens, c.tokens);
}

TEST_F(EngineTest, GrammarConstrainsTheReply) {
  Engine engine(*model_, options(1));
  for (uint32_t seed : {1u, 2u, 3u}) {
    auto req = request(engine, kPrompts[4], 20, 1.0f, seed);
    req.sampling.grammar = R"(root ::= ("yes" | "no") " " [0-9] [0-9])";
    auto r = engine.generate(std::move(req));
    EXPECT_TRUE(std::regex_match(r.text, std::regex("(yes|no) [0-9][0-9]"))) << r.text;
  }
}

TEST_F(EngineTest, BadGrammarIsAnErrorAndTheEngineGoesOn) {
  Engine engine(*model_, options(1));
  auto req = request(engine, kPrompts[0], 4);
  req.sampling.grammar = "root ::= (";
  auto r = engine.generate(std::move(req));
  EXPECT_EQ(r.stop, GenerationStop::error);
  EXPECT_FALSE(r.error.empty());
  auto ok = engine.generate(request(engine, kPrompts[0], 4));
  EXPECT_NE(ok.stop, GenerationStop::error);
}

// After "yes" the grammar wants a NUL, which no token can give: llama.cpp's
// grammar code throws on the engine thread once a token is sampled anyway.
// That request ends with the error; one decoding beside it is unaffected.
TEST_F(EngineTest, GrammarThatFailsMidReplyEndsOnlyThatRequest) {
  Engine engine(*model_, options(2));
  auto alone = engine.generate(request(engine, kPrompts[1], 12));
  auto failing = request(engine, kPrompts[0], 8);
  failing.sampling.grammar = R"(root ::= "yes" [\x00])";
  auto f = engine.submit(std::move(failing));
  auto other = engine.submit(request(engine, kPrompts[1], 12));
  GenerationResult r = f.get();
  EXPECT_EQ(r.stop, GenerationStop::error);
  EXPECT_EQ(r.error.rfind("sampler: ", 0), 0u) << r.error;
  EXPECT_EQ(r.text, "yes");
  GenerationResult o = other.get();
  EXPECT_EQ(o.stop, alone.stop);
  EXPECT_EQ(o.tokens, alone.tokens);
  auto after = engine.generate(request(engine, kPrompts[1], 12));
  EXPECT_EQ(after.tokens, alone.tokens);
}

// llama.cpp caps a batch at the requested context size but pads each
// sequence's stream up to 256 cells, so a prompt can fit its sequence and
// still exceed one batch; decoding it in one chunk aborted the process.
TEST_F(EngineTest, PromptLongerThanABatchIsDecodedInChunks) {
  EngineOptions o = options(1, 2);
  o.context_size = 192;  // 3 sequences of 64, padded to 256 each; a batch of at most 192
  Engine engine(*model_, o);
  std::string text;
  for (int i = 0; i < 60; ++i) text += kPrompts[i % kPrompts.size()].substr(0, 12) + " ";
  auto req = request(engine, text, 4);
  while (req.prompt_tokens.size() > 230) req.prompt_tokens.pop_back();
  ASSERT_GT(req.prompt_tokens.size(), 192u);
  auto r = engine.generate(std::move(req));
  EXPECT_NE(r.stop, GenerationStop::error) << r.error;
  EXPECT_NE(r.stop, GenerationStop::context_full) << r.error;
  EXPECT_EQ(r.stats.generated_tokens, 4);
}

TEST_F(EngineTest, EmptyPromptIsAnError) {
  Engine engine(*model_, options(1));
  GenerationRequest r;
  auto result = engine.generate(std::move(r));
  EXPECT_EQ(result.stop, GenerationStop::error);
}

TEST_F(EngineTest, ProbeGivesSoftmaxOfTheFirstLogits) {
  Engine engine(*model_, options(1));
  auto req = request(engine, kPrompts[0], 2);
  std::vector<int32_t> probe = engine.tokenize("<tool_call>", true);
  probe.push_back(engine.tokenize(" the", false).back());
  for (int32_t t : probe) req.probe_sequences.push_back({t});
  req.keep_first_logits = true;
  auto r = engine.generate(std::move(req));
  ASSERT_EQ(r.probe_probabilities.size(), probe.size());
  ASSERT_FALSE(r.first_logits.empty());
  double max_logit = -1e30, sum = 0;
  for (float l : r.first_logits) max_logit = std::max<double>(max_logit, l);
  for (float l : r.first_logits) sum += std::exp(l - max_logit);
  for (size_t i = 0; i < probe.size(); ++i)
    EXPECT_NEAR(r.probe_probabilities[i], std::exp(r.first_logits[probe[i]] - max_logit) / sum, 1e-6);
  // Greedy picks the argmax of these logits.
  int32_t argmax = std::max_element(r.first_logits.begin(), r.first_logits.end()) - r.first_logits.begin();
  ASSERT_FALSE(r.tokens.empty());
  EXPECT_EQ(r.tokens[0], argmax);
}

namespace {

// P(token | tokens): the softmax of a fresh request's first logits.
double next_token_probability(Engine& engine, const std::vector<int32_t>& tokens, int32_t token) {
  GenerationRequest r;
  r.prompt_tokens = tokens;
  r.sampling.max_tokens = 1;
  r.keep_first_logits = true;
  GenerationResult out = engine.generate(std::move(r));
  EXPECT_GT(out.first_logits.size(), static_cast<size_t>(token));
  if (out.first_logits.size() <= static_cast<size_t>(token)) return 0;
  double max_logit = *std::max_element(out.first_logits.begin(), out.first_logits.end()), sum = 0;
  for (float l : out.first_logits) sum += std::exp(l - max_logit);
  return std::exp(out.first_logits[token] - max_logit) / sum;
}

}  // namespace

// A probe sequence of several tokens is the probability of the whole
// sequence: the product of the teacher-forced conditionals, each computed
// here independently by a fresh request on the prompt plus the tokens before
// it. It is not the first token's probability alone.
TEST_F(EngineTest, ProbeOfSeveralTokensIsTheChainRuleProduct) {
  Engine engine(*model_, options(1));
  const std::vector<int32_t> prompt = engine.tokenize(kPrompts[1]);
  const std::vector<int32_t> opener = engine.tokenize_continuation(" return fib");
  ASSERT_GE(opener.size(), 2u) << "pick an opener of several tokens";
  GenerationRequest req;
  req.prompt_tokens = prompt;
  req.sampling.max_tokens = 3;
  req.probe_sequences = {opener, {opener.front()}};
  GenerationResult r = engine.generate(std::move(req));
  ASSERT_NE(r.stop, GenerationStop::error) << r.error;
  ASSERT_EQ(r.probe_probabilities.size(), 2u);

  double expected = 1;
  std::vector<int32_t> context = prompt;
  for (int32_t t : opener) {
    expected *= next_token_probability(engine, context, t);
    context.push_back(t);
  }
  ASSERT_GT(expected, 0);
  EXPECT_NEAR(std::log(r.probe_probabilities[0]), std::log(expected), 1e-3);
  EXPECT_NEAR(r.probe_probabilities[1], next_token_probability(engine, prompt, opener.front()), 1e-9);
  // The later factors are real probabilities (< 1), so the whole opener is far less likely than its first token.
  EXPECT_LT(r.probe_probabilities[0], 0.5 * r.probe_probabilities[1]);
}

// The probe's side decodes leave no trace: greedy replies, alone and in a
// batch, are the same token for token with and without a probe.
TEST_F(EngineTest, ProbeDoesNotChangeTheReplies) {
  auto run = [&](bool probe, int parallel) {
    Engine engine(*model_, options(parallel));
    std::vector<std::future<GenerationResult>> futures;
    for (size_t i = 0; i < kPrompts.size(); ++i) {
      GenerationRequest r = request(engine, kPrompts[i], 8 + static_cast<int>(i));
      if (probe) r.probe_sequences = {engine.tokenize_continuation("```python"), engine.tokenize_continuation(" the end of it")};
      futures.push_back(engine.submit(std::move(r)));
    }
    std::vector<GenerationResult> out;
    for (auto& f : futures) out.push_back(f.get());
    return out;
  };
  for (int parallel : {1, 4}) {
    auto without = run(false, parallel), with = run(true, parallel);
    for (size_t i = 0; i < kPrompts.size(); ++i) {
      ASSERT_EQ(with[i].probe_probabilities.size(), 2u) << i;
      EXPECT_TRUE(without[i].probe_probabilities.empty());
      EXPECT_FALSE(without[i].tokens.empty());
      EXPECT_EQ(with[i].tokens, without[i].tokens) << "prompt " << i << ", parallel " << parallel;
      EXPECT_EQ(with[i].stop, without[i].stop);
    }
  }
}

TEST_F(EngineTest, AccountingIsFilledIn) {
  Engine engine(*model_, options(1));
  auto r = engine.generate(request(engine, kPrompts[2], 6));
  EXPECT_GT(r.stats.kv_bytes, 0u);
  EXPECT_GT(r.stats.prompt_eval_ms, 0);
  EXPECT_GE(r.stats.queued_ms, 0);
  if (r.tokens.size() > 1) {
    EXPECT_GT(r.stats.decode_ms, 0);
  }
  // KV bytes grow with the tokens held.
  auto longer = engine.generate(request(engine, kPrompts[2] + kPrompts[2] + kPrompts[2], 6));
  EXPECT_GT(longer.stats.kv_bytes, r.stats.kv_bytes);
}

// Eight threads call generate() at once on four slots. Each result must be
// what the same request gives decoded alone on another engine, and every
// request must run to its token limit (8 different requests: the prompts
// repeat, the limits do not).
TEST_F(EngineTest, ManyThreadsSubmitting) {
  const int kThreads = 8;
  auto request_of = [&](Engine& engine, int t) {
    GenerationRequest r = request(engine, kPrompts[t % kPrompts.size()], 4 + t);
    r.sampling.ignore_eos = true;
    return r;
  };
  std::vector<GenerationResult> alone;
  {
    Engine engine(*model_, options(1));
    for (int t = 0; t < kThreads; ++t) alone.push_back(engine.generate(request_of(engine, t)));
  }
  Engine engine(*model_, options(4));
  std::vector<std::thread> threads;
  std::vector<GenerationResult> results(kThreads);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] { results[t] = engine.generate(request_of(engine, t)); });
  for (auto& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(alone[t].stop, GenerationStop::max_tokens) << "alone, request " << t << ": " << alone[t].error;
    EXPECT_EQ(results[t].stop, GenerationStop::max_tokens) << "request " << t << ": " << results[t].error;
    EXPECT_EQ(results[t].tokens.size(), static_cast<size_t>(4 + t)) << "request " << t;
    EXPECT_EQ(results[t].tokens, alone[t].tokens) << "request " << t;
  }
  EXPECT_EQ(engine.totals().requests_done, static_cast<uint64_t>(kThreads));
}

TEST_F(EngineTest, KvCacheTypesAndFlashAttentionSettingsWork) {
  auto reference = [&] {
    Engine engine(*model_, options(1));
    return engine.generate(request(engine, kPrompts[0], 6)).tokens;
  }();
  for (const char* kv : {"q8_0", "f32"}) {
    EngineOptions o = options(1);
    o.kv_type = kv;
    Engine engine(*model_, o);
    auto r = engine.generate(request(engine, kPrompts[0], 6));
    EXPECT_EQ(r.stop, GenerationStop::max_tokens) << kv;
    EXPECT_EQ(r.tokens.size(), 6u) << kv;
  }
  EngineOptions off = options(1);
  off.flash_attention = "off";
  Engine engine(*model_, off);
  EXPECT_EQ(engine.generate(request(engine, kPrompts[0], 6)).tokens.size(), reference.size());
  EngineOptions bad = options(1);
  bad.kv_type = "q3_x";
  EXPECT_THROW(Engine(*model_, bad), std::invalid_argument);
  bad = options(1);
  bad.flash_attention = "maybe";
  EXPECT_THROW(Engine(*model_, bad), std::invalid_argument);
}

// With one slot, a second request waits in the queue until the first is done.
TEST_F(EngineTest, QueuedTimeCoversTheWaitForASlot) {
  Engine engine(*model_, options(1));
  auto second_request = request(engine, kPrompts[3], 4);
  auto t0 = std::chrono::steady_clock::now();
  auto first = engine.submit(request(engine, kPrompts[2], 20));
  auto second = engine.submit(std::move(second_request));
  double gap_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  GenerationResult a = first.get(), b = second.get();
  EXPECT_GE(b.stats.queued_ms + gap_ms, a.stats.queued_ms + a.stats.prompt_eval_ms + a.stats.decode_ms);
}

TEST_F(EngineTest, PrefixLongerThanASequenceIsAnErrorNotACrash) {
  EngineOptions o = options(1, 1);
  o.context_size = 512;  // 256 cells per stream with 2 sequences
  Engine engine(*model_, o);
  std::vector<int32_t> prefix(400, engine.tokenize("a").back());
  EXPECT_THROW(engine.add_prefix(prefix), std::runtime_error);
  auto r = engine.generate(request(engine, kPrompts[0], 3));  // the engine still works
  EXPECT_EQ(r.tokens.size(), 3u);
}

// Each truncation sampler, set to keep only the most likely token, turns
// random sampling into greedy decoding: proof that each one is applied.
TEST_F(EngineTest, TopKTopPAndMinPAreApplied) {
  Engine engine(*model_, options(1));
  auto greedy = engine.generate(request(engine, kPrompts[1], 8)).tokens;
  auto unconstrained = engine.generate(request(engine, kPrompts[1], 8, 1.5f, 77)).tokens;
  EXPECT_NE(unconstrained, greedy);
  for (int which = 0; which < 3; ++which) {
    auto r = request(engine, kPrompts[1], 8, 1.5f, 77);
    if (which == 0) r.sampling.top_k = 1;
    if (which == 1) r.sampling.top_p = 1e-6f;
    if (which == 2) r.sampling.min_p = 1.0f;
    EXPECT_EQ(engine.generate(std::move(r)).tokens, greedy) << "sampler " << which;
  }
}
