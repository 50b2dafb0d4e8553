// The proof that the adapter path is right. For a tiny F32 model (32k-token
// SPM vocabulary) of each
// architecture (llama: the default model's, whose q/k projections both
// converters permute; qwen2), python/peft_parity.py makes a PEFT LoRA with
// random non-zero weights on every attention and MLP projection, and the
// next-token logits of PyTorch + PEFT after a few prompts (transformers
// reads the GGUF itself). `agentcoder adapter import` converts the PEFT
// directory with llama.cpp's converter; the engine, with the imported
// adapter at scale 1, 0.5 and 0 and with no adapter, must then give the
// same logits as PyTorch within kTolerance, while the adapter moves them
// by far more than that (kMinEffect).
//
// Needs $AGENTCODER_HOME/venv (label "python"); skipped without it unless
// AGENTCODER_REQUIRE_PYTHON_ENV is set (CI), where it fails.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/engine.h"
#include "models/lora.h"
#include "models/model.h"
#include "support/cli_run.h"
#include "support/python_env.h"
#include "support/temp_dir.h"

using namespace agentcoder::models;
using agentcoder::testing::python_or_skip;
using agentcoder::testing::run_shell;
using agentcoder::testing::TempDir;

namespace {

// Both sides compute in float32 from the same F32 weights; they differ in
// summation order and in the engine's F16 KV cache (its default). Measured
// worst case over both architectures: see the test's output.
constexpr float kTolerance = 2e-3f;
constexpr float kMinEffect = 100 * kTolerance;

const std::vector<std::string> kPrompts = {
    "def add(a, b):\n    return",
    "The quick brown fox jumps over the lazy dog. Then it",
    "You write Python. Sort [3, 1, 2] and print it.",
};
const std::vector<float> kScales = {1.0f, 0.5f, 0.0f};

std::vector<float> next_token_logits(Engine& engine, const std::vector<int32_t>& tokens) {
  GenerationRequest r;
  r.prompt_tokens = tokens;
  r.sampling.max_tokens = 1;
  r.keep_first_logits = true;
  return engine.generate(std::move(r)).first_logits;
}

float max_abs_diff(const float* a, const float* b, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

void check_parity(const std::string& model_path, const std::string& name) {
  const std::string python = python_or_skip();
  if (python.empty()) GTEST_SKIP() << "no Python environment at " << agentcoder::project_python() << " (scripts/setup.sh creates it)";
  TempDir dir;
  Model model({model_path});
  EngineOptions o;
  o.context_size = 1024;
  o.parallel = 1;
  o.max_prefixes = 0;
  o.threads = 2;
  Engine engine(model, o);

  nlohmann::json spec = {{"prompts", nlohmann::json::array()}, {"scales", kScales}};
  std::vector<std::vector<int32_t>> prompts;
  for (const auto& text : kPrompts) {
    prompts.push_back(engine.tokenize(text));
    spec["prompts"].push_back(prompts.back());
  }
  dir.write("prompts.json", spec.dump());

  // PyTorch + PEFT: the adapter and the reference logits.
  auto made = run_shell(python + " " AGENTCODER_PARITY_SCRIPT " " + model_path + " " + dir.path("peft") + " " +
                        dir.path("prompts.json") + " " + dir.path("torch.f32") + " 2>&1");
  ASSERT_EQ(made.code, 0) << made.out;
  ASSERT_TRUE(std::filesystem::exists(dir.path("peft/adapter_model.safetensors"))) << made.out;

  // The import under test.
  auto imported = run_shell(std::string(AGENTCODER_BIN) + " adapter import " + dir.path("peft") + " --base " +
                            model_path + " --name " + name + " --registry " + dir.path("registry") + " 2>&1");
  ASSERT_EQ(imported.code, 0) << imported.out;
  const std::string gguf = dir.path("registry/" + name + ".gguf");
  ASSERT_TRUE(std::filesystem::exists(gguf)) << imported.out;

  // Reference logits: (scales + disabled) x prompts x vocabulary.
  std::ifstream in(dir.path("torch.f32"), std::ios::binary);
  std::vector<float> torch_logits(std::filesystem::file_size(dir.path("torch.f32")) / sizeof(float));
  in.read(reinterpret_cast<char*>(torch_logits.data()), torch_logits.size() * sizeof(float));
  const size_t conditions = kScales.size() + 1, n = prompts.size();
  ASSERT_EQ(torch_logits.size() % (conditions * n), 0u);
  const size_t vocab = torch_logits.size() / (conditions * n);
  auto torch_at = [&](size_t condition, size_t prompt) { return torch_logits.data() + (condition * n + prompt) * vocab; };

  LoraAdapter adapter(model, gguf);
  std::vector<std::vector<std::vector<float>>> ours(conditions);  // condition -> prompt -> logits
  for (size_t c = 0; c < conditions; ++c) {
    if (c < kScales.size()) engine.set_adapters({{&adapter, kScales[c]}});
    else engine.set_adapters({});  // removed
    for (const auto& tokens : prompts) {
      ours[c].push_back(next_token_logits(engine, tokens));
      ASSERT_EQ(ours[c].back().size(), vocab);
    }
  }

  const char* labels[] = {"scale 1", "scale 0.5", "scale 0", "removed"};
  float largest_logit = 0;
  for (size_t p = 0; p < n; ++p)
    for (size_t i = 0; i < vocab; ++i) largest_logit = std::max(largest_logit, std::abs(torch_at(0, p)[i]));
  for (size_t c = 0; c < conditions; ++c) {
    float parity = 0, from_base = 0;
    for (size_t p = 0; p < n; ++p) {
      parity = std::max(parity, max_abs_diff(ours[c][p].data(), torch_at(c, p), vocab));
      from_base = std::max(from_base, max_abs_diff(ours[c][p].data(), torch_at(conditions - 1, p), vocab));
    }
    std::printf("[%s] %-9s max|engine - torch| = %.3g   max|engine - torch base| = %.3g   (max|logit| %.3g)\n",
                name.c_str(), labels[c], parity, from_base, largest_logit);
    EXPECT_LT(parity, kTolerance) << labels[c];
    if (c < kScales.size() && kScales[c] > 0) {
      EXPECT_GT(from_base, kMinEffect) << labels[c] << " barely moves the logits";
    }
  }
  // Scale 0 and removal are the base model, in both implementations.
  for (size_t p = 0; p < n; ++p) EXPECT_EQ(ours[2][p], ours[3][p]) << "scale 0 differs from removal, prompt " << p;
}

// A PEFT directory written by hand: rank-4 LoRA A and B (all 0.01) on
// q_proj and v_proj of `layers` layers of a model of width `embd` with one
// 32-wide KV head, as safetensors (8-byte header length, JSON header, data).
void write_peft_dir(const TempDir& dir, const std::string& name, int layers, int embd) {
  dir.write(name + "/adapter_config.json",
            R"({"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "v_proj"]})");
  nlohmann::json header = nlohmann::json::object();
  size_t offset = 0;
  auto add = [&](const std::string& tensor, int rows, int cols) {
    const size_t bytes = size_t(rows) * cols * sizeof(float);
    header[tensor] = {{"dtype", "F32"}, {"shape", {rows, cols}}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  };
  for (int layer = 0; layer < layers; ++layer) {
    for (auto [proj, out] : {std::pair<const char*, int>{"q_proj", embd}, {"v_proj", 32}}) {
      std::string base = "base_model.model.model.layers." + std::to_string(layer) + ".self_attn." + proj;
      add(base + ".lora_A.weight", 4, embd);
      add(base + ".lora_B.weight", out, 4);
    }
  }
  std::string text = header.dump();
  uint64_t size = text.size();
  std::string file(reinterpret_cast<const char*>(&size), 8);
  file += text;
  std::vector<float> data(offset / sizeof(float), 0.01f);
  file.append(reinterpret_cast<const char*>(data.data()), offset);
  dir.write(name + "/adapter_model.safetensors", file);
}

}  // namespace

// The whole import on bad input: the converter's own refusal (a layer the
// base lacks) and the fit check's (a wider model's adapter) are one line,
// exit 2, and leave no file and no record. The good directory imports.
TEST(AdapterImport, AnAdapterForAnotherShapeIsRefusedAndLeavesNothing) {
  const std::string python = python_or_skip();
  if (python.empty()) GTEST_SKIP() << "no Python environment at " << agentcoder::project_python() << " (scripts/setup.sh creates it)";
  TempDir dir;
  write_peft_dir(dir, "three-layers", 3, 64);
  write_peft_dir(dir, "wide", 2, 128);
  write_peft_dir(dir, "fits", 2, 64);
  const std::string import = std::string(AGENTCODER_BIN) + " adapter import --base " AGENTCODER_TINY_LLAMA_F32 +
                             " --registry " + dir.path("registry") + " ";
  auto layers = run_shell(import + dir.path("three-layers") + " 2>&1");
  EXPECT_EQ(layers.code, 2) << layers.out;
  EXPECT_EQ(agentcoder::testing::count_lines(layers.out), 1) << layers.out;
  EXPECT_NE(layers.out.find("convert_lora_to_gguf.py failed (exit 1): ValueError: Can not map tensor "
                            "'model.layers.2.self_attn."),
            std::string::npos)
      << layers.out;
  auto wide = run_shell(import + dir.path("wide") + " 2>&1");
  EXPECT_EQ(wide.code, 2) << wide.out;
  EXPECT_EQ(agentcoder::testing::count_lines(wide.out), 1) << wide.out;
  EXPECT_NE(wide.out.find(dir.path("wide") + ": tensor 'blk.0.attn_q.weight': lora_a [128, 4] and lora_b [4, 128] "
                          "do not fit the base's [64, 64]"),
            std::string::npos)
      << wide.out;
  EXPECT_FALSE(std::filesystem::exists(dir.path("registry")));

  // Named after its directory, a trailing '/' or not.
  auto fits = run_shell(import + dir.path("fits/") + " --data " + dir.path("fits/adapter_config.json") + " 2>&1");
  ASSERT_EQ(fits.code, 0) << fits.out;
  auto shown = run_shell(std::string(AGENTCODER_BIN) + " adapter show fits --json --registry " + dir.path("registry"));
  nlohmann::json record = nlohmann::json::parse(shown.out);
  EXPECT_EQ(record["rank"], 4);
  EXPECT_EQ(record["alpha"], 8.0);
  EXPECT_EQ(record["tensors"], 4);
  EXPECT_EQ(record["base"]["architecture"], "llama");
  EXPECT_EQ(record["data"]["sha256"].get<std::string>().size(), 64u);
  EXPECT_TRUE(std::filesystem::exists(dir.path("registry/fits.gguf")));
}

TEST(AdapterParity, LlamaEngineMatchesPeft) { check_parity(AGENTCODER_TINY_LLAMA_F32, "tiny-llama"); }
TEST(AdapterParity, Qwen2EngineMatchesPeft) { check_parity(AGENTCODER_TINY_QWEN2_F32, "tiny-qwen2"); }
