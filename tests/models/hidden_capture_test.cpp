// Hidden states at the prompt's last token (EngineOptions::hidden_layers,
// models/hidden_capture.h) on the tiny model: capturing changes no logit and
// no reply, and the stored vector is what a plain single-request evaluation
// gives, also when the prompt spans several chunks and other requests run.
#include <cmath>
#include <cstring>

#include <gtest/gtest.h>

#include "ggml-backend.h"
#include "llama.h"
#include "models/engine.h"
#include "models/model.h"

using namespace agentcoder;
using namespace agentcoder::models;

namespace {

class HiddenCaptureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = new Model({std::string(AGENTCODER_TINY_MODEL)}); }
  static void TearDownTestSuite() { delete model_; }

  static EngineOptions options(int parallel, int prefixes, std::vector<int> layers) {
    EngineOptions o;
    o.context_size = 4096;
    o.parallel = parallel;
    o.max_prefixes = prefixes;
    o.threads = 1;  // no thread barriers to wait on: seconds even on a loaded machine
    o.hidden_layers = std::move(layers);
    return o;
  }
  static GenerationRequest request(Engine& engine, const std::string& text, uint32_t seed) {
    GenerationRequest r;
    r.prompt_tokens = engine.tokenize(text);
    r.sampling.max_tokens = 8;
    r.sampling.temperature = 0.8f;  // greedy on the tiny model repeats one token
    r.sampling.seed = seed;
    r.keep_first_logits = true;
    r.capture_hidden = true;
    return r;
  }
  static Model* model_;
};
Model* HiddenCaptureTest::model_ = nullptr;

const std::string kShared = "You are a helpful assistant. Answer briefly.\n";
const std::vector<std::string> kPrompts = {kShared + "The quick brown fox", kShared + "def fibonacci(n):",
                                           kShared + "Once upon a time in a land far away, there lived",
                                           kShared + "1, 2, 3, 5, 8, 13,", kShared + "SELECT * FROM"};

// The reference: a fresh context, the prompt decoded one token per call,
// and the blocks' outputs read at the last call, where each has one row.
struct Reference {
  std::vector<std::string> names;
  std::vector<std::vector<float>> rows;
  static bool observe(ggml_tensor* t, bool ask, void* self) {
    auto* r = static_cast<Reference*>(self);
    for (size_t i = 0; i < r->names.size(); ++i) {
      if (r->names[i] != t->name) continue;
      if (ask) return true;
      if (t->ne[1] == 1) {
        r->rows[i].resize(t->ne[0]);
        ggml_backend_tensor_get(t, r->rows[i].data(), 0, t->ne[0] * sizeof(float));
      }
      return true;
    }
    return false;
  }
};

std::vector<float> reference_hidden(const Model& model, const std::vector<int32_t>& tokens,
                                    const std::vector<int>& layers) {
  Reference ref;
  for (int l : layers) ref.names.push_back("l_out-" + std::to_string(l));
  ref.rows.resize(layers.size());
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = 1024;
  cp.n_threads = cp.n_threads_batch = 1;
  cp.cb_eval = &Reference::observe;
  cp.cb_eval_user_data = &ref;
  llama_context* ctx = llama_init_from_model(model.get(), cp);
  EXPECT_NE(ctx, nullptr);
  for (size_t i = 0; i < tokens.size(); ++i) {
    for (auto& row : ref.rows) row.clear();  // only the last token's rows are kept
    llama_token t = tokens[i];
    llama_batch b = llama_batch_get_one(&t, 1);
    EXPECT_EQ(llama_decode(ctx, b), 0);
  }
  llama_free(ctx);
  std::vector<float> out;
  for (const auto& row : ref.rows) out.insert(out.end(), row.begin(), row.end());
  return out;
}

double max_relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0, scale = 0;
  for (float v : b) scale = std::max(scale, double(std::fabs(v)));
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) worst = std::max(worst, double(std::fabs(a[i] - b[i])));
  return worst / std::max(scale, 1e-12);
}

}  // namespace

TEST_F(HiddenCaptureTest, SameLogitsAndRepliesWithAndWithoutCapture) {
  std::vector<GenerationResult> plain, captured;
  {
    Engine engine(*model_, options(4, 1, {}));
    engine.add_prefix(engine.tokenize(kShared));
    std::vector<std::future<GenerationResult>> futures;
    for (size_t i = 0; i < kPrompts.size(); ++i) futures.push_back(engine.submit(request(engine, kPrompts[i], 7 + i)));
    for (auto& f : futures) plain.push_back(f.get());
  }
  {
    Engine engine(*model_, options(4, 1, {0, 1}));
    engine.add_prefix(engine.tokenize(kShared));
    std::vector<std::future<GenerationResult>> futures;
    for (size_t i = 0; i < kPrompts.size(); ++i) futures.push_back(engine.submit(request(engine, kPrompts[i], 7 + i)));
    for (auto& f : futures) captured.push_back(f.get());
  }
  const int n_embd = llama_model_n_embd(model_->get());
  for (size_t i = 0; i < kPrompts.size(); ++i) {
    ASSERT_NE(plain[i].stop, GenerationStop::error) << plain[i].error;
    EXPECT_TRUE(plain[i].hidden_states.empty()) << "an engine without hidden_layers captures nothing";
    ASSERT_EQ(captured[i].hidden_states.size(), size_t(2 * n_embd)) << "prompt " << i;
    ASSERT_FALSE(plain[i].tokens.empty());
    EXPECT_EQ(captured[i].tokens, plain[i].tokens) << "prompt " << i;
    EXPECT_EQ(captured[i].text, plain[i].text) << "prompt " << i;
    ASSERT_EQ(captured[i].first_logits.size(), plain[i].first_logits.size());
    EXPECT_EQ(0, std::memcmp(captured[i].first_logits.data(), plain[i].first_logits.data(),
                             plain[i].first_logits.size() * sizeof(float)))
        << "prompt " << i << ": the logits moved";
  }
}

// The vector kept is the prompt's last token's, layer by layer: equal to a
// token-by-token evaluation (another kernel path, so within float rounding),
// and exactly the same whether the request ran alone or among others, with
// its prompt cut into several chunks and ubatches.
TEST_F(HiddenCaptureTest, StoredVectorEqualsSingleRequestEvaluation) {
  const std::vector<int> layers = {1, 0};  // the order asked for is the order kept
  std::string long_prompt = kShared;
  for (int i = 0; i < 30; ++i) long_prompt += "item " + std::to_string(i) + ", ";
  std::vector<std::string> prompts = kPrompts;
  prompts.push_back(long_prompt);

  EngineOptions chunked = options(1, 0, layers);
  chunked.batch_size = 32;  // prompts of more than 32 tokens take several chunks
  std::vector<std::vector<float>> alone;
  {
    Engine engine(*model_, chunked);
    ASSERT_GT(engine.tokenize(long_prompt).size(), 100u);
    for (size_t i = 0; i < prompts.size(); ++i) alone.push_back(engine.generate(request(engine, prompts[i], 1)).hidden_states);
  }
  EngineOptions batched = options(4, 0, layers);
  batched.batch_size = 32;
  Engine engine(*model_, batched);
  std::vector<std::future<GenerationResult>> futures;
  for (size_t i = 0; i < prompts.size(); ++i) futures.push_back(engine.submit(request(engine, prompts[i], 1)));
  const size_t n_embd = llama_model_n_embd(model_->get());
  for (size_t i = 0; i < prompts.size(); ++i) {
    std::vector<float> got = futures[i].get().hidden_states;
    ASSERT_EQ(got.size(), 2 * n_embd) << "prompt " << i;
    EXPECT_EQ(got, alone[i]) << "prompt " << i << ": batched differs from alone";
    std::vector<float> want = reference_hidden(*model_, engine.tokenize(prompts[i]), layers);
    ASSERT_EQ(want.size(), got.size());
    EXPECT_LT(max_relative_difference(got, want), 1e-3) << "prompt " << i;
    // Not a constant: the two layers differ, and so do prompts.
    EXPECT_NE(std::vector<float>(got.begin(), got.begin() + n_embd), std::vector<float>(got.begin() + n_embd, got.end()));
    if (i > 0) {
      EXPECT_NE(got, alone[i - 1]);
    }
  }
}

TEST_F(HiddenCaptureTest, LayerOutsideTheModelIsRefused) {
  const int n_layer = llama_model_n_layer(model_->get());
  EXPECT_THROW(Engine(*model_, options(1, 0, {n_layer})), std::invalid_argument);
  EXPECT_THROW(Engine(*model_, options(1, 0, {-1})), std::invalid_argument);
}
