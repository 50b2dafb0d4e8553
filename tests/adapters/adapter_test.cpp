// The adapter module without Python: the PEFT config's vetting, the HF
// config derived from a GGUF, the fit check against a base, the registry,
// and the `agentcoder adapter` command's errors (one line, exit 2) that
// come before the converter runs. The conversion itself is
// adapter_parity_test's.
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "adapters/adapter_fit.h"
#include "adapters/gguf_facts.h"
#include "adapters/hf_config.h"
#include "adapters/peft_config.h"
#include "adapters/registry.h"
#include "gguf.h"
#include "support/cli_run.h"
#include "support/temp_dir.h"
#include "utils/errors.h"

using namespace agentcoder::adapters;
using agentcoder::InputError;
using agentcoder::testing::count_lines;
using agentcoder::testing::run_cli;
using agentcoder::testing::run_shell;
using agentcoder::testing::TempDir;

namespace {

const char* kGoodConfig = R"({"peft_type": "LORA", "r": 8, "lora_alpha": 16, "target_modules": ["q_proj", "v_proj"],
  "base_model_name_or_path": "HuggingFaceTB/SmolLM2-135M-Instruct", "use_rslora": false, "use_dora": false,
  "rank_pattern": {}, "alpha_pattern": {}, "modules_to_save": null})";

std::string peft_dir(const TempDir& dir, const std::string& config) {
  dir.write("peft/adapter_config.json", config);
  dir.write("peft/adapter_model.safetensors", "not read here");
  return dir.path("peft");
}

// The message of the InputError `f` throws, or "" when it throws none.
template <typename F>
std::string input_error(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// A GGUF with metadata only.
std::string write_gguf(const TempDir& dir, const std::string& name, const std::string& arch) {
  gguf_context* ctx = gguf_init_empty();
  gguf_set_val_str(ctx, "general.architecture", arch.c_str());
  std::string path = dir.path(name);
  EXPECT_TRUE(gguf_write_to_file(ctx, path.c_str(), false));
  gguf_free(ctx);
  return path;
}

AdapterRecord record(const std::string& name, const std::string& sha) {
  AdapterRecord r;
  r.name = name;
  r.path = "/adapters/" + name + ".gguf";
  r.sha256 = sha;
  r.base_path = "/models/base.gguf";
  r.base_sha256 = "b";
  r.base_architecture = "llama";
  r.rank = 8;
  r.alpha = 16;
  r.target_modules = {"q_proj", "v_proj"};
  r.tensors = 60;
  r.peft_dir = "/peft";
  r.converter = "llama.cpp x convert_lora_to_gguf.py (f32)";
  r.created = "2026-12-05T13:00:00.000Z";
  return r;
}

}  // namespace

TEST(PeftConfig, ReadsRankAlphaAndTargets) {
  TempDir dir;
  PeftLora lora = read_peft_lora(peft_dir(dir, kGoodConfig));
  EXPECT_EQ(lora.rank, 8);
  EXPECT_DOUBLE_EQ(lora.alpha, 16);
  EXPECT_EQ(lora.target_modules, (std::vector<std::string>{"q_proj", "v_proj"}));
  EXPECT_EQ(lora.base_model, "HuggingFaceTB/SmolLM2-135M-Instruct");
}

TEST(PeftConfig, RefusesWhatLlamaCppCannotComputeByField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"("use_rslora": false)", R"("use_rslora": true)"},
      {R"("use_dora": false)", R"("use_dora": true)"},
      {R"("rank_pattern": {})", R"("rank_pattern": {"q_proj": 4})"},
      {R"("alpha_pattern": {})", R"("alpha_pattern": {"q_proj": 4})"},
      {R"("modules_to_save": null)", R"("modules_to_save": ["lm_head"])"},
      {R"("peft_type": "LORA")", R"("peft_type": "IA3")"},
      {R"("r": 8)", R"("r": 0)"},
  };
  for (const auto& [from, to] : cases) {
    TempDir dir;
    std::string config = kGoodConfig;
    config.replace(config.find(from), from.size(), to);
    std::string field = to.substr(1, to.find('"', 1) - 1);
    std::string message = input_error([&] { read_peft_lora(peft_dir(dir, config)); });
    EXPECT_NE(message.find("adapter_config.json: field '" + field + "'"), std::string::npos) << to << ": " << message;
  }
}

TEST(PeftConfig, MissingFilesAreNamed) {
  TempDir dir;
  EXPECT_NE(input_error([&] { read_peft_lora(dir.path("none")); }).find("not a directory"), std::string::npos);
  dir.write("only_config/adapter_config.json", kGoodConfig);
  EXPECT_NE(input_error([&] { read_peft_lora(dir.path("only_config")); }).find("adapter_model.safetensors: no such file"),
            std::string::npos);
  dir.write("only_weights/adapter_model.safetensors", "x");
  EXPECT_NE(input_error([&] { read_peft_lora(dir.path("only_weights")); }).find("adapter_config.json: no such file"),
            std::string::npos);
}

TEST(HfConfig, DerivedFromTheTinyQwen2) {
  GgufFacts base = read_gguf_facts(AGENTCODER_TINY_MODEL);
  nlohmann::json c = hf_config_from_gguf(base);
  EXPECT_EQ(c["architectures"][0], "Qwen2ForCausalLM");
  EXPECT_EQ(c["model_type"], "qwen2");
  EXPECT_EQ(c["hidden_size"], 64);
  EXPECT_EQ(c["intermediate_size"], 128);
  EXPECT_EQ(c["num_hidden_layers"], 2);
  EXPECT_EQ(c["num_attention_heads"], 2);
  EXPECT_EQ(c["num_key_value_heads"], 1);
  EXPECT_EQ(c["vocab_size"], base.tensors.at("token_embd.weight")[1]);
  EXPECT_EQ(c["tie_word_embeddings"], true);  // the fixture drops output.weight
  EXPECT_DOUBLE_EQ(c["rope_theta"].get<double>(), 1000000.0);
}

TEST(HfConfig, UnsupportedArchitectureIsNamed) {
  TempDir dir;
  GgufFacts facts = read_gguf_facts(write_gguf(dir, "gpt2.gguf", "gpt2"));
  std::string message = input_error([&] { hf_config_from_gguf(facts); });
  EXPECT_NE(message.find("gpt2.gguf: architecture 'gpt2' is not supported"), std::string::npos) << message;
  EXPECT_NE(message.find("llama"), std::string::npos) << message;  // says what is supported
}

TEST(AdapterFit, TheTinyLoraFitsTheTinyModel) {
  AdapterFit fit = check_adapter_fits(read_gguf_facts(AGENTCODER_TINY_LORA), read_gguf_facts(AGENTCODER_TINY_MODEL));
  EXPECT_EQ(fit.architecture, "qwen2");
  EXPECT_EQ(fit.rank, 4);
  EXPECT_DOUBLE_EQ(fit.alpha, 4);
  EXPECT_EQ(fit.base_tensors.size(), 4u);  // attn_q and attn_v of two layers
}

TEST(AdapterFit, AWiderAdapterIsRefusedNamingTheTensorAndShapes) {
  TempDir dir;
  const std::string wide = dir.path("wide.gguf");
  ASSERT_EQ(run_shell(std::string(AGENTCODER_MAKE_TINY_LORA) + " " + wide + " --embd 128").code, 0);
  std::string message = input_error(
      [&] { check_adapter_fits(read_gguf_facts(wide), read_gguf_facts(AGENTCODER_TINY_MODEL)); });
  EXPECT_NE(message.find("tensor 'blk.0.attn_q.weight': lora_a [128, 4] and lora_b [4, 128] do not fit the base's [64, 64]"),
            std::string::npos)
      << message;
}

TEST(AdapterFit, AnotherArchitectureIsRefused) {
  TempDir dir;
  std::string message = input_error([&] {
    check_adapter_fits(read_gguf_facts(AGENTCODER_TINY_LORA), read_gguf_facts(write_gguf(dir, "l.gguf", "llama")));
  });
  EXPECT_NE(message.find("adapter architecture 'qwen2' does not match the base's 'llama'"), std::string::npos) << message;
  // A model is not an adapter.
  message = input_error(
      [&] { check_adapter_fits(read_gguf_facts(AGENTCODER_TINY_MODEL), read_gguf_facts(AGENTCODER_TINY_MODEL)); });
  EXPECT_NE(message.find("not 'adapter'"), std::string::npos) << message;
}

TEST(Registry, AddListFindAndRefuseATakenName) {
  TempDir dir;
  AdapterRegistry registry(dir.path("registry"));
  EXPECT_TRUE(registry.list().empty());  // no directory yet
  registry.add(record("b-adapter", "222"), false);
  registry.add(record("a-adapter", "111"), false);
  auto all = registry.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "a-adapter");  // by name
  EXPECT_EQ(all[0].to_json(), record("a-adapter", "111").to_json());  // round trip
  EXPECT_EQ(registry.find_by_sha256("222")->name, "b-adapter");
  EXPECT_FALSE(registry.find_by_sha256("333"));
  EXPECT_FALSE(registry.find("c"));
  EXPECT_NE(input_error([&] { registry.get("c"); }).find("no adapter named 'c'"), std::string::npos);
  EXPECT_NE(input_error([&] { registry.add(record("a-adapter", "444"), false); }).find("already in the registry"),
            std::string::npos);
  registry.add(record("a-adapter", "444"), true);
  EXPECT_EQ(registry.get("a-adapter").sha256, "444");
  EXPECT_FALSE(std::filesystem::exists(dir.path("registry/a-adapter.json.partial")));
}

TEST(Registry, NamesAndPaths) {
  EXPECT_TRUE(is_valid_name("smollm2-sft_v1.2"));
  for (const char* bad : {"", ".hidden", "a/b", "x.gguf", "a b", "a:b"}) EXPECT_FALSE(is_valid_name(bad)) << bad;
  EXPECT_TRUE(is_registry_name("smollm2-sft"));
  EXPECT_FALSE(is_registry_name("adapters/smollm2-sft"));
  EXPECT_FALSE(is_registry_name("smollm2-sft.gguf"));
  TempDir dir;
  EXPECT_NE(input_error([&] { AdapterRegistry(dir.root()).add(record("a/b", "1"), false); }).find("adapter name 'a/b'"),
            std::string::npos);
}

TEST(Registry, ABrokenRecordIsNamedWithItsField) {
  TempDir dir;
  dir.write("registry/x.json", R"({"name": "x", "path": 3})");
  std::string message = input_error([&] { AdapterRegistry(dir.path("registry")).list(); });
  EXPECT_NE(message.find("x.json: field 'path'"), std::string::npos) << message;
}

TEST(AdapterCli, BadInputIsOneLineAndExitTwo) {
  TempDir dir;
  const std::string bin = AGENTCODER_BIN, reg = " --registry " + dir.path("registry");
  const std::string peft = peft_dir(dir, kGoodConfig);
  struct Case {
    std::string args, expect;
  };
  const std::vector<Case> cases = {
      {"adapter import " + dir.path("missing") + " --base " AGENTCODER_TINY_MODEL + reg, "not a directory"},
      {"adapter import " + peft + " --base " + dir.path("missing.gguf") + reg, "missing.gguf"},
      {"adapter import " + peft + " --base " + write_gguf(dir, "gpt2.gguf", "gpt2") + reg,
       "architecture 'gpt2' is not supported"},
      {"adapter import " + peft + " --base " AGENTCODER_TINY_MODEL " --name a/b" + reg, "adapter name 'a/b'"},
      {"adapter import " + peft + " --base " AGENTCODER_TINY_MODEL " --outtype q4_0" + reg, "--outtype 'q4_0'"},
      {"adapter import " + peft + " --base " AGENTCODER_TINY_MODEL " --data " + dir.path("none.jsonl") + reg,
       "none.jsonl"},
      {"adapter show nothing" + reg, "no adapter named 'nothing'"},
      {"adapter import " + peft + " --base " AGENTCODER_TINY_MODEL " -o " + dir.write("taken.gguf", "x") + reg,
       "taken.gguf: exists (--replace to overwrite)"},
  };
  for (const auto& c : cases) {
    auto r = run_cli(bin, c.args);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.out;
    EXPECT_EQ(count_lines(r.out), 1) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.expect), std::string::npos) << c.args << "\n" << r.out;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path("registry")));  // nothing half-imported
}

TEST(AdapterCli, ListAndShowARecord) {
  TempDir dir;
  const std::string bin = AGENTCODER_BIN, reg = " --registry " + dir.path("registry");
  EXPECT_NE(run_cli(bin, "adapter list" + reg).out.find("no adapters in"), std::string::npos);
  AdapterRecord r = record("smollm2-sft", "0123456789abcdef");
  r.data_path = "/exports/sft.jsonl";
  r.data_sha256 = "feedfacefeedface";
  AdapterRegistry(dir.path("registry")).add(r, false);
  auto list = run_cli(bin, "adapter list" + reg);
  EXPECT_EQ(list.code, 0) << list.out;
  EXPECT_NE(list.out.find("smollm2-sft"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("0123456789ab"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("feedfacefeed"), std::string::npos) << list.out;
  auto show = run_cli(bin, "adapter show smollm2-sft" + reg);
  EXPECT_EQ(show.code, 0) << show.out;
  for (const char* line : {"rank            8", "alpha           16", "target modules  q_proj,v_proj (60 tensors)",
                           "training data   /exports/sft.jsonl", "data sha256     feedfacefeedface"})
    EXPECT_NE(show.out.find(line), std::string::npos) << line << "\n" << show.out;
  auto json = run_cli(bin, "adapter show smollm2-sft --json" + reg);
  EXPECT_EQ(nlohmann::json::parse(json.out), r.to_json());
}
