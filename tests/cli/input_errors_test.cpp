// Bad input through the built binary, one representative case per kind: a
// bad option value, a user's family file, a task file that does not verify.
// Each gets exit code 2 and a last line naming the place (the generic
// failure is exit 1, "agentcoder: error: ...").
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "support/cli_run.h"
#include "support/temp_dir.h"

namespace {

using agentcoder::testing::CliRun;
using agentcoder::testing::TempDir;

CliRun run(const std::string& args) { return agentcoder::testing::run_cli(AGENTCODER_BIN, args); }

std::string last_line(const std::string& out) {
  std::string s = out;
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s.substr(s.rfind('\n') == std::string::npos ? 0 : s.rfind('\n') + 1);
}

std::string read(const std::string& path) {
  std::stringstream in;
  in << std::ifstream(path).rdbuf();
  return in.str();
}

TEST(InputErrors, SamplingOptionsOutOfRange) {
  const std::string model = AGENTCODER_TINY_MODEL;
  for (const char* bad : {"--max-tokens -5", "--temperature -1", "--top-p 1.5", "--min-p -0.1", "--ctx 0",
                          "--threads -2", "--gpu-layers -3"}) {
    CliRun r = run("generate " + model + " -p hi " + bad);
    EXPECT_EQ(r.code, 2) << bad << "\n" << r.out;
    EXPECT_EQ(agentcoder::testing::count_lines(r.out), 1) << bad << "\n" << r.out;
    std::string option = std::string(bad).substr(0, std::string(bad).find(' '));
    EXPECT_NE(r.out.find(option), std::string::npos) << bad << "\n" << r.out;
  }
}

// A --chat-template file that does not parse, and one that raises on the chat.
TEST(InputErrors, ChatTemplateFileThatFails) {
  TempDir dir;
  const std::string model = AGENTCODER_TINY_MODEL;
  for (const char* text : {"{% for m in messages %", "{% for m in messages %}{{ raise_exception('nope') }}{% endfor %}"}) {
    std::string file = dir.write("t.jinja", text);
    CliRun r = run("generate " + model + " -p hi --max-tokens 2 --ctx 512 --chat-template " + file);
    EXPECT_EQ(r.code, 2) << text << "\n" << r.out;
    EXPECT_NE(r.out.find("agentcoder: " + file + ": the chat template failed"), std::string::npos) << r.out;
  }
}

TEST(InputErrors, GenerateWithNoTaskPerCell) {
  TempDir dir;
  CliRun r = run("data generate --per-cell 0 -o " + dir.path("t.jsonl"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(agentcoder::testing::count_lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("--per-cell"), std::string::npos) << r.out;
}

// A family of the user's with a misspelled sampler, and one whose reference
// returns the wrong shape: both the family file's fault.
TEST(InputErrors, UsersFamilyFileIsBadInput) {
  TempDir dir;
  const std::string family = read(std::string(AGENTCODER_FAMILIES_DIR) + "/amb_base_convert.toml");
  ASSERT_NE(family.find("{ choice = [2, 8, 16] }"), std::string::npos);

  std::string misspelled = family;
  misspelled.replace(misspelled.find("choice = [2"), 6, "choise");
  dir.write("a/base.toml", misspelled);
  CliRun r = run("data generate --per-cell 1 --families " + dir.path("a") + " -o " + dir.path("a.jsonl"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(agentcoder::testing::count_lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("base.toml"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("choise"), std::string::npos) << r.out;

  std::string wrong_shape = family;
  ASSERT_NE(wrong_shape.find("return {\"answer\": digits"), std::string::npos);
  wrong_shape.replace(wrong_shape.find("return {\"answer\": digits"), 16, "return {\"answr\"");
  dir.write("b/base.toml", wrong_shape);
  r = run("data generate --per-cell 1 --families " + dir.path("b") + " -o " + dir.path("b.jsonl"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(last_line(r.out).find("base.toml"), std::string::npos) << r.out;
}

// A generated task whose stored answer was edited no longer matches its
// reference: verify names the file and line, exit 2.
TEST(InputErrors, TaskFileThatDoesNotVerify) {
  TempDir dir;
  const std::string tasks = dir.path("t.jsonl");
  ASSERT_EQ(run("data generate --seed 3 --per-cell 1 -o " + tasks).code, 0);
  std::string text = read(tasks);
  const std::string field = "\"ground_truth_output\":\"";
  size_t at = text.find(field);
  ASSERT_NE(at, std::string::npos) << text.substr(0, 400);
  text.insert(at + field.size(), "999");
  std::ofstream(tasks) << text;
  CliRun r = run("data verify " + tasks);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("agentcoder: " + tasks + ": 1 problem(s); first: " + tasks + ":1:"), std::string::npos) << r.out;
}

// A task the runner cannot pose: functions offered to a task whose check
// would never look at the calls. Refused before any model loads.
TEST(InputErrors, RunWithATaskItCannotPose) {
  TempDir dir;
  const std::string tasks = dir.write(
      "t.jsonl",
      R"({"id": "bfcl/odd", "prompt": "Weather in Paris?", "category": "execution_required", "difficulty": "easy", )"
      R"("optimal_tool": "get_weather", "check": "exact", "ground_truth_output": "sunny", "split": "test", )"
      R"("functions": [{"name": "get_weather", "parameters": {"type": "dict", "properties": {}}}]})"
      "\n");
  dir.write("prompts/direct.txt", "Answer the question.");
  const std::string config = dir.write(
      "c.toml", "name = \"odd\"\n[data]\ntasks = \"" + tasks + "\"\n[[models]]\nname = \"tiny\"\npath = \"" +
                    std::string(AGENTCODER_TINY_MODEL) + "\"\n[agent]\nformats = [\"direct\"]\nmodes = [\"free\"]\n");
  CliRun r = run("run " + config + " --results " + dir.path("results"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(last_line(r.out).find(tasks + ": task 'bfcl/odd': it offers functions but its check is exact"),
            std::string::npos)
      << r.out;
}

}  // namespace
