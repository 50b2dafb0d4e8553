// Hostile input through the built binary (issue 13): patterns, JSON and
// numbers that once crashed a command (SIGSEGV), hung it, ended in a raw JSON
// library message with exit 1, or were accepted when they should not be.
// Each now gets exit code 2 and one line naming the place.
#include <sys/stat.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/cli_run.h"
#include "support/temp_dir.h"

namespace {

using agentcoder::testing::CliRun;
using agentcoder::testing::count_lines;
using agentcoder::testing::TempDir;

CliRun run(const std::string& args) { return agentcoder::testing::run_cli(AGENTCODER_BIN, args); }

std::string rubric_task(const std::string& id, const std::string& pattern_json) {
  return R"({"id": ")" + id + R"(", "prompt": "Explain.", "category": "pure_reasoning", "difficulty": "easy", )"
         R"("optimal_tool": "none", "check": "rubric", "rubric": [{"point": "p", "any_of": [)" + pattern_json + "]}]}";
}

// std::regex compiled these recursively and died of SIGSEGV.
TEST(HostileInput, LongOrDeepRubricRegexIsABadLine) {
  TempDir dir;
  const std::vector<std::string> patterns = {"\"" + std::string(200000, 'a') + "\"",
                                             "\"" + std::string(20000, '(') + "a" + std::string(20000, ')') + "\"",
                                             "\"((a{1000}){1000}){1000}\""};
  for (const std::string& p : patterns) {
    const std::string file = dir.write("t.jsonl", rubric_task("ok", "\"fine\"") + "\n" + rubric_task("bad", p) + "\n");
    CliRun r = run("data validate " + file);
    EXPECT_EQ(r.code, 2) << r.out.substr(0, 300);
    EXPECT_NE(r.out.find(file + ":2: field 'rubric[0].any_of': bad regex"), std::string::npos) << r.out.substr(0, 600);
    EXPECT_NE(r.out.find("1 tasks valid, 1 bad lines"), std::string::npos) << r.out.substr(0, 600);
  }
}

// nlohmann reports a number out of a double's range as out_of_range, which the
// loader did not catch: the whole file failed, exit 1, no file or line.
TEST(HostileInput, NumberThatOverflowsADoubleNamesFileAndLine) {
  TempDir dir;
  const std::string file = dir.write(
      "t.jsonl", rubric_task("ok", "\"fine\"") + "\n" +
                     R"({"id": "big", "prompt": "p", "category": "pure_reasoning", "difficulty": "easy", "optimal_tool": "none", "answer": 1e999})" "\n");
  CliRun r = run("data validate " + file);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find(file + ":2: malformed JSON: number overflow parsing '1e999' (column 116)"), std::string::npos)
      << r.out;
}

TEST(HostileInput, DeeplyNestedTaskLineIsABadLine) {
  TempDir dir;
  const std::string file = dir.write("t.jsonl", std::string(300000, '[') + "\n");
  CliRun r = run("data validate " + file);
  EXPECT_EQ(r.code, 2) << r.out.substr(0, 300);
  EXPECT_NE(r.out.find(file + ":1: JSON nested deeper than 64 levels (column 65)"), std::string::npos) << r.out.substr(0, 300);
}

// --tools and --chat are read before the model loads; each bad file is one
// line "agentcoder: FILE:..." naming the element and field, exit 2.
TEST(HostileInput, GenerateToolsAndChatJsonNameThePlace) {
  TempDir dir;
  const std::string model = AGENTCODER_TINY_MODEL;
  struct Case {
    const char* option;
    std::string json;
    std::string expected;  // after "agentcoder: FILE"
  };
  const std::vector<Case> cases = {
      // Well-formed and 200000 deep: SIGSEGV when the reader copied it.
      {"--tools", "[{\"name\":\"x\",\"parameters\":" + std::string(200000, '[') + std::string(200000, ']') + "}]",
       ":1:89: JSON nested deeper than 64 levels"},
      {"--tools", "{\"name\": \"x\"}", ": expected a JSON array of tools, not object"},
      {"--tools", "[1]", ": tool 0: must be an object, not number"},
      {"--tools", "[{\"function\": 3}]", ": tool 0: field 'function': must be an object, not number"},
      {"--tools", "[{\"name\": 5}]", ": tool 0: field 'name': must be a string, not number"},
      {"--tools", "[{\"name\": \"x\", \"description\": []}]", ": tool 0: field 'description': must be a string, not array"},
      {"--tools", "[{\"name\": \"x\", \"parameters\": \"{}\"}]", ": tool 0: field 'parameters': must be a JSON schema object, not string"},
      {"--tools", "[{\"name\": \"x\"},\n {\"description\": \"d\"}]", ": tool 1: field 'name': missing"},
      {"--tools", "[\n1e999]", ":2:1: malformed JSON: number overflow parsing '1e999'"},
      {"--tools", "[{\"name\": \"x\"", ":1:14: malformed JSON: "},
      {"--chat", std::string(100000, '{'), ":1:2: malformed JSON: "},
      {"--chat", "[{\"role\": 1}]", ": message 0: field 'role': must be a string, not number"},
      {"--chat", "[{\"content\": \"hi\"}]", ": message 0: field 'role': missing"},
      {"--chat", "[{\"role\": \"wizard\"}]", ": message 0: field 'role': 'wizard' is not system|user|assistant|tool"},
      {"--chat", "[{\"role\": \"user\", \"content\": 5}]", ": message 0: field 'content': must be a string, not number"},
      {"--chat", "[{\"role\": \"tool\", \"tool_call_id\": {}}]", ": message 0: field 'tool_call_id': must be a string, not object"},
      {"--chat", "[{\"role\": \"assistant\", \"tool_calls\": {}}]", ": message 0: field 'tool_calls': must be a list, not object"},
      {"--chat", "[{\"role\": \"assistant\", \"tool_calls\": [7]}]", ": message 0: tool_calls[0]: must be an object, not number"},
      {"--chat", "[{\"role\": \"assistant\", \"tool_calls\": [{\"function\": {\"name\": \"f\", \"arguments\": 5}}]}]",
       ": message 0: tool_calls[0]: field 'arguments': must be an object or a string, not number"},
      {"--chat", "[{\"role\": \"assistant\", \"tool_calls\": [{\"function\": {}}]}]", ": message 0: tool_calls[0]: field 'name': missing"},
  };
  for (const Case& c : cases) {
    const std::string file = dir.write("in.json", c.json);
    const std::string prompt = std::string(c.option) == "--tools" ? " -p hi" : "";
    CliRun r = run("generate " + model + prompt + " " + c.option + " " + file);
    const std::string shown = r.out.substr(0, 300);
    EXPECT_EQ(r.code, 2) << c.option << " " << c.json.substr(0, 80) << "\n" << shown;
    EXPECT_EQ(count_lines(r.out), 1) << shown;
    EXPECT_EQ(r.out.rfind("agentcoder: " + file + c.expected, 0), 0u) << c.json.substr(0, 80) << "\n" << shown;
  }
}

std::string config(const std::string& extra_top, const std::string& engine) {
  return extra_top + "[data]\ntasks = \"t.jsonl\"\n[[models]]\npath = \"m.gguf\"\n[agent]\nformats = [\"direct\"]\n"
         "modes = [\"free\"]\n[engine]\n" + engine;
}

// threads = 100000 crashed llama.cpp; name = ".." wrote results outside --results.
TEST(HostileInput, RunConfigValuesOutOfRange) {
  TempDir dir;
  std::string file = dir.write("c.toml", config("name = \"t\"\n", "threads = 100000\n"));
  CliRun r = run("run " + file + " --results " + dir.path("results"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.out, "agentcoder: " + file + ":10: [engine] threads: must be between 0 and 1024\n");
  file = dir.write("c.toml", config("name = \"..\"\n", ""));
  r = run("run " + file + " --results " + dir.path("results"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.out, "agentcoder: " + file + ":1: name: must be a plain file name (no '/', not '.' or '..')\n");
}

TEST(HostileInput, SandboxRunFileMustBeAFile) {
  TempDir dir;
  CliRun r = run("sandbox run --file " + dir.path(""));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.out, "agentcoder: sandbox run: --file " + dir.path("") + ": is a directory, not a file\n");
}

TEST(HostileInput, SandboxRunLimitsOutOfRange) {
  for (const char* bad : {"--memory inf", "--memory nan", "--memory 8", "--timeout inf", "--timeout 0", "--cpus 1e9"}) {
    CliRun r = run(std::string("sandbox run -c pass ") + bad);
    EXPECT_EQ(r.code, 2) << bad << "\n" << r.out;
    EXPECT_EQ(count_lines(r.out), 1) << bad << "\n" << r.out;
    const std::string option = std::string(bad).substr(0, std::string(bad).find(' '));
    EXPECT_EQ(r.out.rfind("agentcoder: sandbox run: " + option + " must be", 0), 0u) << bad << "\n" << r.out;
  }
}

TEST(HostileInput, SandboxRunStdinIsBounded) {
  CliRun r = run("sandbox run -c 'import sys; print(len(sys.stdin.read()))' --stdin /dev/zero");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.out, "agentcoder: sandbox run: --stdin /dev/zero: more than 16 MiB\n");
}

// A FIFO nobody writes to hung the command; now it waits --timeout seconds.
TEST(HostileInput, SandboxRunStdinFifoWithoutWriterDoesNotHang) {
  TempDir dir;
  const std::string fifo = dir.path("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  CliRun r = agentcoder::testing::run_shell("timeout 20 " + std::string(AGENTCODER_BIN) +
                                            " sandbox run -c pass --timeout 1 --stdin " + fifo + " 2>&1");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.out, "agentcoder: sandbox run: --stdin " + fifo + ": nothing to read for 1 s (a FIFO nobody writes to?)\n");
}

TEST(HostileInput, SandboxRunStdinFromAPipe) {
  CliRun r = agentcoder::testing::run_shell("printf 'hello\\n' | " + std::string(AGENTCODER_BIN) +
                                            " sandbox run -c 'print(input().upper())' --stdin /dev/stdin 2>/dev/null");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "HELLO\n");
}

// The program's escape sequences reach the terminal only as text; --json keeps the bytes.
TEST(HostileInput, SandboxRunEscapesTerminalControls) {
  const std::string code = "'import sys; sys.stdout.write(\"\\x1b]0;owned\\x07\\x1b[31mred\\r\\x9b\\u00e9\\n\")'";
  CliRun r = agentcoder::testing::run_shell(std::string(AGENTCODER_BIN) + " sandbox run -c " + code + " 2>/dev/null");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "\\x1b]0;owned\\x07\\x1b[31mred\\x0d\\xc2\\x9b\xc3\xa9\n");
  r = agentcoder::testing::run_shell(std::string(AGENTCODER_BIN) + " sandbox run --json -c " + code);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\\u001b]0;owned\\u0007"), std::string::npos) << r.out;
}

TEST(HostileInput, SandboxRunWarmTakesTheWarmPath) {
  CliRun r = run("sandbox run --warm --json -c 'print(6*7)'");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\"stdout\": \"42\\n\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"warm\": true"), std::string::npos) << r.out;
  r = run("sandbox run --json -c 'print(6*7)'");
  EXPECT_NE(r.out.find("\"warm\": false"), std::string::npos) << r.out;
}

}  // namespace
