// The agentcoder binary: exit codes, one-line errors, JSON output.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cli_run.h"
#include "support/temp_dir.h"

using agentcoder::testing::CliRun;

namespace {

CliRun run(const std::string& args) { return agentcoder::testing::run_cli(std::string(AGENTCODER_BIN), args); }
int lines(const std::string& s) { return agentcoder::testing::count_lines(s); }

}  // namespace

TEST(Cli, MissingModelFileIsOneLineAndExit2) {
  CliRun r = run("info /nonexistent/model.gguf");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("/nonexistent/model.gguf"), std::string::npos);
}

TEST(Cli, BadOptionIsExit2) {
  CliRun r = run("generate --no-such-flag");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(lines(r.out), 1) << r.out;
}

TEST(Cli, BadToolsFileIsExit2) {
  CliRun r = run("generate " + std::string(AGENTCODER_TINY_MODEL) + " -p hi --tools /nonexistent.json");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("/nonexistent.json"), std::string::npos) << r.out;
}

TEST(Cli, InfoJson) {
  CliRun r = run("info --json " + std::string(AGENTCODER_TINY_MODEL));
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["architecture"], "qwen2");
  EXPECT_EQ(j["template_renders_tools"], true);
}

TEST(Cli, GenerateJsonHasReplyAndTimings) {
  CliRun r = run("generate " + std::string(AGENTCODER_TINY_MODEL) + " -p 'hello' --max-tokens 4 --ctx 512 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["stats"]["generated_tokens"].get<int>(), 4);
  EXPECT_GT(j["stats"]["prompt_tokens"].get<int>(), 0);
  EXPECT_GT(j["stats"]["rss_bytes"].get<long>(), 0);
  EXPECT_EQ(j["tool_format"], "native");
  EXPECT_TRUE(j.contains("reply_kind"));
}

TEST(Cli, HelpListsTheCommands) {
  CliRun r = run("--help");
  EXPECT_EQ(r.code, 0);
  for (const char* c : {"info", "generate", "quantize"}) EXPECT_NE(r.out.find(c), std::string::npos) << c;
}

TEST(Cli, GenerateWithLoraAndBadLora) {
  std::string model = std::string(AGENTCODER_TINY_MODEL);
  CliRun ok = run("generate " + model + " -p hi --max-tokens 2 --ctx 512 --lora " + std::string(AGENTCODER_TINY_LORA) + ":0.5");
  EXPECT_EQ(ok.code, 0) << ok.out;
  CliRun bad = run("generate " + model + " -p hi --max-tokens 2 --ctx 512 --lora /nonexistent.gguf");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.out.find("/nonexistent.gguf"), std::string::npos) << bad.out;
}

TEST(Cli, QuantizeBadTypeIsExit2) {
  CliRun r = run("quantize " + std::string(AGENTCODER_TINY_MODEL) + " /tmp/agentcoder-q.gguf Q9_Z");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("Q9_Z"), std::string::npos);
}

// A grammar that no token can continue after "yes": the grammar code throws
// on the engine thread. The process must not die of it: one line naming the
// grammar file, exit 2.
TEST(Cli, GrammarThatFailsMidReplyIsOneLineExit2) {
  agentcoder::testing::TempDir dir;
  std::string grammar = dir.write("nul.gbnf", "root ::= \"yes\" [\\x00]\n");
  CliRun r = run("generate " + std::string(AGENTCODER_TINY_MODEL) + " --raw -p hello --max-tokens 8 --ctx 512 --grammar " +
                 grammar);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find(grammar + ": sampler: "), std::string::npos) << r.out;
}
