// LoRA adapters on the tiny model with the tiny generated adapter.
#include "models/lora.h"

#include <gtest/gtest.h>

#include "models/engine.h"
#include "models/model.h"
#include "utils/errors.h"

using namespace agentcoder::models;

namespace {

// The prefix ends at a special token, so it tokenizes the same alone and in the prompt.
const std::string kPrefix = "<|im_start|>system\nYou write Python.<|im_end|>\n";
const std::string kPrompt = kPrefix + "<|im_start|>user\ndef add(a, b):";

std::vector<float> first_logits(Engine& engine) {
  GenerationRequest r;
  r.prompt_tokens = engine.tokenize(kPrompt);
  r.sampling.max_tokens = 1;
  r.keep_first_logits = true;
  return engine.generate(std::move(r)).first_logits;
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

}  // namespace

TEST(LoraSpec, ParsesPathAndScale) {
  EXPECT_EQ(LoraSpec::parse("a.gguf").path, "a.gguf");
  EXPECT_FLOAT_EQ(LoraSpec::parse("a.gguf").scale, 1.0f);
  auto s = LoraSpec::parse("/x/y:z/a.gguf:0.25");
  EXPECT_EQ(s.path, "/x/y:z/a.gguf");
  EXPECT_FLOAT_EQ(s.scale, 0.25f);
  EXPECT_EQ(LoraSpec::parse("dir:name.gguf").path, "dir:name.gguf");  // not a number: part of the path
  EXPECT_THROW(LoraSpec::parse(""), agentcoder::InputError);
}

TEST(Lora, ChangesLogitsAndRemovalRestoresThemBitForBit) {
  Model model({std::string(AGENTCODER_TINY_MODEL)});
  LoraAdapter adapter(model, std::string(AGENTCODER_TINY_LORA));
  EXPECT_FLOAT_EQ(adapter.alpha(), 4.0f);
  EngineOptions o;
  o.context_size = 1024;
  o.parallel = 1;
  o.threads = 2;
  Engine engine(model, o);
  std::vector<float> base = first_logits(engine);
  ASSERT_FALSE(base.empty());

  engine.set_adapters({{&adapter, 1.0f}});
  std::vector<float> with_full = first_logits(engine);
  EXPECT_GT(max_abs_diff(base, with_full), 1e-3f);

  engine.set_adapters({{&adapter, 0.5f}});
  std::vector<float> with_half = first_logits(engine);
  EXPECT_GT(max_abs_diff(with_half, with_full), 1e-4f);
  EXPECT_GT(max_abs_diff(base, with_half), 1e-4f);

  engine.set_adapters({});
  std::vector<float> after = first_logits(engine);
  EXPECT_EQ(after, base);  // bit-identical

  engine.set_adapters({{&adapter, 1.0f}});  // swapping back gives the same adapted logits
  EXPECT_EQ(first_logits(engine), with_full);
}

TEST(Lora, AdapterSwapReevaluatesSharedPrefixes) {
  Model model({std::string(AGENTCODER_TINY_MODEL)});
  LoraAdapter adapter(model, std::string(AGENTCODER_TINY_LORA));
  EngineOptions o;
  o.context_size = 1024;
  o.parallel = 1;
  o.max_prefixes = 1;
  o.threads = 2;
  Engine plain(model, o);
  plain.set_adapters({{&adapter, 1.0f}});
  std::vector<float> expected = first_logits(plain);

  Engine shared(model, o);
  shared.add_prefix(shared.tokenize(kPrefix));
  shared.set_adapters({{&adapter, 1.0f}});  // the prefix's KV must be recomputed under the adapter
  GenerationRequest r;
  r.prompt_tokens = shared.tokenize(kPrompt);
  r.sampling.max_tokens = 1;
  r.keep_first_logits = true;
  GenerationResult result = shared.generate(std::move(r));
  EXPECT_GT(result.stats.prefix_reused_tokens, 0);
  EXPECT_LT(max_abs_diff(result.first_logits, expected), 1e-3f);
}

TEST(Lora, MissingOrWrongFileIsInputError) {
  Model model({std::string(AGENTCODER_TINY_MODEL)});
  EXPECT_THROW(LoraAdapter(model, "/nonexistent/adapter.gguf"), agentcoder::InputError);
  // A model file is a GGUF but not an adapter.
  EXPECT_THROW(LoraAdapter(model, std::string(AGENTCODER_TINY_MODEL)), agentcoder::InputError);
}
