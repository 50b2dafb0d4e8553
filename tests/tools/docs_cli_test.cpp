// `agentcoder docs index|search` end to end, through the real binary.
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "support/cli_run.h"
#include "support/temp_dir.h"

namespace agentcoder::tools {
namespace {

using agentcoder::testing::CliRun;
using agentcoder::testing::run_cli;
using agentcoder::testing::TempDir;

// `agentcoder <args>`: stdout and stderr together, and the exit code.
CliRun agentcoder(const std::string& args) { return run_cli(AGENTCODER_BIN, args); }

void write_pages(const TempDir& dir) {
  dir.write("src/library/functions.rst.txt",
            "Built-in Functions\n==================\n\n.. function:: zip(*iterables)\n\n   Iterate in parallel.\n\n"
            ".. function:: abs(x)\n\n   Return the absolute value of a number.\n");
}

TEST(DocsCli, IndexThenSearch) {
  TempDir dir;
  write_pages(dir);
  std::string index = dir.path("idx/docs.sqlite");
  CliRun r = agentcoder("docs index --source " + dir.path("src") + " --out " + index);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("docs index " + index + ": 2 passages from 1 pages in ", 0), 0u) << r.out;
  r = agentcoder("docs index --source " + dir.path("src") + " --out " + index);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "docs index " + index + " is up to date (1 pages)\n");

  r = agentcoder("docs search --index " + index + " --json -k 1 absolute");
  ASSERT_EQ(r.code, 0) << r.out;
  nlohmann::json hits = nlohmann::json::parse(r.out);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0]["title"], "abs(x)");
  EXPECT_EQ(hits[0]["page"], "library/functions");

  r = agentcoder("docs search --index " + index + " zip");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("zip(*iterables)  (library/functions)"), std::string::npos) << r.out;
}

TEST(DocsCli, BadInputIsOneLineAndExitTwo) {
  TempDir dir;
  CliRun r = agentcoder("docs index --source " + dir.path("none") + " --out " + dir.path("x.sqlite"));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "agentcoder: docs index: --source " + dir.path("none") + ": not a directory\n");
  r = agentcoder("docs search --index " + dir.path("missing.sqlite") + " zip");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_NE(r.out.find("not found (build it with: agentcoder docs index)"), std::string::npos) << r.out;
  write_pages(dir);
  ASSERT_EQ(agentcoder("docs index --source " + dir.path("src") + " --out " + dir.path("i.sqlite")).code, 0);
  r = agentcoder("docs search --index " + dir.path("i.sqlite") + " -k 0 zip");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "agentcoder: docs search: -k must be at least 1\n");
}

}  // namespace
}  // namespace agentcoder::tools
