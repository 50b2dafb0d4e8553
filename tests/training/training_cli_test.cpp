// `agentcoder export` end to end: a tiny-model run made and scored through
// the binary, exported in the four kinds twice (byte-identical files and
// sidecars), the sidecar's manifest, and bad input refused with exit 2.
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/cli_run.h"
#include "support/temp_dir.h"
#include "tiny_run.h"

using agentcoder::testing::run_cli;
using agentcoder::testing::TempDir;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

int lines(const std::string& text) { return agentcoder::testing::count_lines(text); }

// One run for the suite: making it is most of the time.
class ExportCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    config_ = training_test::make_tiny_run(*dir_, "tiny");
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static TempDir* dir_;
  static std::string config_;
};
TempDir* ExportCli::dir_ = nullptr;
std::string ExportCli::config_;

}  // namespace

TEST_F(ExportCli, FourKindsAreDeterministicAndCarryTheManifest) {
  const TempDir& dir = *dir_;
  const std::string& config = config_;
  const std::string run = dir.path("results/tiny");
  for (const char* kind : {"sft", "dpo", "kto", "rewards"}) {
    const std::string extra = std::string(kind) == "sft" ? " --select all" : "";
    auto a = run_cli(AGENTCODER_BIN, std::string("export ") + kind + " " + run + " --config " + config + " -o " +
                                         dir.path(std::string("a/") + kind + ".jsonl") + extra);
    auto b = run_cli(AGENTCODER_BIN, std::string("export ") + kind + " " + run + " --config " + config + " -o " +
                                         dir.path(std::string("b/") + kind + ".jsonl") + extra);
    ASSERT_EQ(a.code, 0) << kind << ": " << a.out;
    ASSERT_EQ(b.code, 0) << kind << ": " << b.out;
    const std::string rows = slurp(dir.path(std::string("a/") + kind + ".jsonl"));
    EXPECT_EQ(rows, slurp(dir.path(std::string("b/") + kind + ".jsonl"))) << kind;
    const std::string meta_text = slurp(dir.path(std::string("a/") + kind + ".meta.json"));
    EXPECT_EQ(meta_text, slurp(dir.path(std::string("b/") + kind + ".meta.json"))) << kind;
    nlohmann::json meta = nlohmann::json::parse(meta_text);
    EXPECT_EQ(meta["export"], kind);
    EXPECT_EQ(meta["run"], "tiny");
    EXPECT_EQ(meta["manifest"]["models"][0]["sha256"].get<std::string>().size(), 64u) << meta.dump();
    EXPECT_TRUE(meta["manifest"].contains("agentcoder")) << meta.dump();
    EXPECT_EQ(meta["counts"]["rows"], lines(rows)) << kind;
    EXPECT_EQ(meta["counts"]["episodes"], 12);
    EXPECT_EQ(meta["counts"]["first_turns_unverified"], 0) << "every first turn is checked against its key";
  }
  // Every episode once in sft --select all, kto (all scored) and rewards.
  EXPECT_EQ(lines(slurp(dir.path("a/sft.jsonl"))), 12);
  EXPECT_EQ(lines(slurp(dir.path("a/kto.jsonl"))), 12);
  EXPECT_EQ(lines(slurp(dir.path("a/rewards.jsonl"))), 12);
  // The tiny model is never right: nothing to prefer.
  EXPECT_EQ(lines(slurp(dir.path("a/dpo.jsonl"))), 0);

  // force_tool's first reply (the prefilled opener and random tokens) did not
  // parse: the row shows it and the harness's answer, as the model saw them.
  std::ifstream sft(dir.path("a/sft.jsonl"));
  std::string line;
  int forced = 0;
  while (std::getline(sft, line)) {
    nlohmann::json row = nlohmann::json::parse(line);
    if (row["mode"] == "force_text") EXPECT_EQ(row["tools"].size(), 0u);
    if (row["mode"] != "force_tool") continue;
    ++forced;
    EXPECT_EQ(row["tools"].size(), 1u);
    ASSERT_GE(row["messages"].size(), 4u) << line;
    EXPECT_EQ(row["messages"][2]["role"], "assistant");
    EXPECT_EQ(row["messages"][2]["content"].get<std::string>().rfind("<tool_call>", 0), 0u) << line;
    EXPECT_EQ(row["messages"][3]["content"].get<std::string>().rfind("Your tool call was not run: ", 0), 0u) << line;
  }
  EXPECT_EQ(forced, 4);
}

TEST_F(ExportCli, RefusesAConfigThatIsNotTheRunsAndBadFilters) {
  const TempDir& dir = *dir_;
  const std::string& config = config_;
  const std::string run = dir.path("results/tiny");
  const std::string other = dir.write("other.toml", training_test::tiny_config_text("tiny") + "# edited\n");
  auto r = run_cli(AGENTCODER_BIN, "export sft " + run + " --config " + other + " -o " + dir.path("x.jsonl"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("not the config text run 'tiny' was started with"), std::string::npos) << r.out;
  r = run_cli(AGENTCODER_BIN, "export sft " + run + " -o " + dir.path("x.jsonl"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("experiments/tiny.toml does not exist"), std::string::npos) << r.out;
  // A prompt file edited after the run: the first turns no longer hash as run.
  const std::string prompt = slurp(dir.path("prompts/direct.txt"));
  dir.write("prompts/direct.txt", prompt + "Be brief.\n");
  r = run_cli(AGENTCODER_BIN, "export kto " + run + " --config " + config + " -o " + dir.path("x.jsonl"));
  dir.write("prompts/direct.txt", prompt);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("is not the one it was run with"), std::string::npos) << r.out;
  r = run_cli(AGENTCODER_BIN, "export rewards " + run + " --config " + config + " --where colour=red -o " + dir.path("x.jsonl"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("unknown column 'colour'"), std::string::npos) << r.out;
  r = run_cli(AGENTCODER_BIN, "export sft " + run + " --config " + config + " --select best -o " + dir.path("x.jsonl"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(agentcoder::testing::count_lines(r.out), 1) << r.out;
  r = run_cli(AGENTCODER_BIN,
              "export rewards " + run + " --config " + config + " --necessity-threshold 0 -o " + dir.path("x.jsonl"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(agentcoder::testing::count_lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("--necessity-threshold"), std::string::npos) << r.out;
}
