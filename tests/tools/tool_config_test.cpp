// Building a registry from configuration: the tools, their options, and one
// clear line for each kind of mistake.
#include "tools/tool_config.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "test_sandbox.h"
#include "tools/docs_index_build.h"
#include "tools/math_tool.h"
#include "utils/errors.h"

namespace agentcoder::tools {
namespace {

using agentcoder::testing::TempDir;

using nlohmann::json;

// The InputError message make_registry gives, or "" if it succeeds.
std::string config_error(const std::vector<std::string>& names, const json& options) {
  ToolsConfig c;
  c.names = names;
  c.options = options;
  c.where = "exp.toml: tools";
  try {
    make_registry(c, test_sandbox());
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string small_index(const TempDir& dir) {
  dir.write("src/library/functions.rst.txt", "Functions\n=========\n\n.. function:: zip(*iterables)\n\n   Zip.\n");
  build_docs_index(dir.path("src"), dir.path("docs.sqlite"));
  return dir.path("docs.sqlite");
}

TEST(ToolConfig, BuildsTheListedToolsInOrderWithTheirOptions) {
  TempDir dir;
  ToolsConfig c;
  c.names = {"docs", "python", "math"};
  c.options = {{"python", {{"timeout", 2.5}, {"memory_mb", 100}, {"max_chars", 700}}},
               {"docs", {{"index", small_index(dir)}, {"k", 1}, {"max_chars", 400}}}};
  auto r = make_registry(c, test_sandbox());
  EXPECT_EQ(r->names(), (std::vector<std::string>{"docs", "python", "math"}));
  EXPECT_EQ(r->find("python")->max_chars(), 700u);
  EXPECT_EQ(r->find("docs")->max_chars(), 400u);
  EXPECT_EQ(r->find("math")->max_chars(), MathToolOptions().max_chars);

  ToolResult py = r->call("python", std::string(R"J({"code": "print(6 * 7)"})J"));
  ASSERT_TRUE(py.ok) << py.record.dump();
  EXPECT_EQ(py.record["details"]["limits"]["wall_seconds"], 2.5);
  EXPECT_EQ(py.record["details"]["limits"]["memory_bytes"], 100ull << 20);
  ToolResult docs = r->call("docs", std::string(R"({"query": "zip"})"));
  EXPECT_EQ(docs.record["details"]["k"], 1);
  EXPECT_EQ(r->declarations().size(), 3u);
}

TEST(ToolConfig, MistakesAreOneLineNamingThePlace) {
  EXPECT_EQ(config_error({"python", "pyhton"}, json::object()),
            "exp.toml: tools: unknown tool 'pyhton' (known: python, math, docs)");
  EXPECT_EQ(config_error({"python", "python"}, json::object()), "exp.toml: tools: tool 'python' is listed twice");
  EXPECT_EQ(config_error({"python"}, {{"math", json::object()}}),
            "exp.toml: tools.math: options for a tool that is not in the list");
  EXPECT_EQ(config_error({"python"}, {{"python", {{"timout", 1}}}}),
            "exp.toml: tools.python: unknown option 'timout' (known: cpus, max_chars, max_output_bytes, "
            "max_processes, memory_mb, timeout)");
  EXPECT_EQ(config_error({"python"}, {{"python", {{"timeout", -1}}}}),
            "exp.toml: tools.python.timeout: must be a positive number, got -1");
  EXPECT_EQ(config_error({"math"}, {{"math", {{"timeout", "5"}}}}),
            "exp.toml: tools.math.timeout: must be a positive number, got \"5\"");
  EXPECT_EQ(config_error({"math"}, {{"math", {{"memory_mb", 0.5}}}}),
            "exp.toml: tools.math.memory_mb: must be a positive integer, got 0.5");
  EXPECT_EQ(config_error({"python"}, {{"python", {{"max_chars", 0}}}}),
            "exp.toml: tools.python.max_chars: must be a positive integer, got 0");
  EXPECT_EQ(config_error({"python"}, {{"python", 5}}), "exp.toml: tools.python: options must be a table");
  EXPECT_EQ(config_error({"docs"}, {{"docs", {{"index", ""}}}}),
            "exp.toml: tools.docs.index: must be a non-empty string, got \"\"");
  EXPECT_EQ(config_error({"docs"}, {{"docs", {{"index", "/nonexistent/x.sqlite"}}}}),
            "docs index /nonexistent/x.sqlite: not found (build it with: agentcoder docs index)");
  EXPECT_EQ(config_error({}, json::object()), "");
}

TEST(ToolConfig, SandboxToolsNeedASandbox) {
  ToolsConfig c;
  c.names = {"python"};
  EXPECT_THROW(make_registry(c, nullptr), std::invalid_argument);
}

TEST(ToolConfig, BuiltinNames) {
  EXPECT_EQ(builtin_tool_names(), (std::vector<std::string>{"python", "math", "docs"}));
}

}  // namespace
}  // namespace agentcoder::tools
