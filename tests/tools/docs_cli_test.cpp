// `agentcoder docs index|search` end to end, through the real binary.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "temp_dir.h"

namespace agentcoder::tools {
namespace {

// Runs agentcoder with `args` (a shell word list with no quoting needs),
// stdout and stderr together.
std::string agentcoder(const std::string& args, int* code) {
  std::string command = std::string(AGENTCODER_BIN) + " " + args + " 2>&1";
  FILE* p = popen(command.c_str(), "r");
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  int status = pclose(p);
  *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

void write_pages(const TempDir& dir) {
  dir.write("src/library/functions.rst.txt",
            "Built-in Functions\n==================\n\n.. function:: zip(*iterables)\n\n   Iterate in parallel.\n\n"
            ".. function:: abs(x)\n\n   Return the absolute value of a number.\n");
}

TEST(DocsCli, IndexThenSearch) {
  TempDir dir;
  write_pages(dir);
  int code;
  std::string index = dir.path() + "/idx/docs.sqlite";
  std::string out = agentcoder("docs index --source " + dir.path() + "/src --out " + index, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out.rfind("docs index " + index + ": 2 passages from 1 pages in ", 0), 0u) << out;
  out = agentcoder("docs index --source " + dir.path() + "/src --out " + index, &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(out, "docs index " + index + " is up to date (1 pages)\n");

  out = agentcoder("docs search --index " + index + " --json -k 1 absolute", &code);
  ASSERT_EQ(code, 0) << out;
  nlohmann::json hits = nlohmann::json::parse(out);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0]["title"], "abs(x)");
  EXPECT_EQ(hits[0]["page"], "library/functions");

  out = agentcoder("docs search --index " + index + " zip", &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("zip(*iterables)  (library/functions)"), std::string::npos) << out;
}

TEST(DocsCli, BadInputIsOneLineAndExitTwo) {
  TempDir dir;
  int code;
  std::string out = agentcoder("docs index --source " + dir.path() + "/none --out " + dir.path() + "/x.sqlite", &code);
  EXPECT_EQ(code, 2);
  EXPECT_EQ(out, "agentcoder: docs index: --source " + dir.path() + "/none: not a directory\n");
  out = agentcoder("docs search --index " + dir.path() + "/missing.sqlite zip", &code);
  EXPECT_EQ(code, 2);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_NE(out.find("not found (build it with: agentcoder docs index)"), std::string::npos) << out;
  write_pages(dir);
  agentcoder("docs index --source " + dir.path() + "/src --out " + dir.path() + "/i.sqlite", &code);
  out = agentcoder("docs search --index " + dir.path() + "/i.sqlite -k 0 zip", &code);
  EXPECT_EQ(code, 2);
  EXPECT_EQ(out, "agentcoder: docs search: -k must be at least 1\n");
}

}  // namespace
}  // namespace agentcoder::tools
