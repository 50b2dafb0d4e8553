// Dispatch by name, bad calls of every kind, and the record's fields, with
// a tool made for the test.
#include "tools/registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <stdexcept>
#include <thread>

namespace agentcoder::tools {
namespace {

using nlohmann::json;

// Repeats `word` `times` times; fails when word is "fail", throws when "throw".
class RepeatTool : public Tool {
 public:
  explicit RepeatTool(size_t max_chars = 100)
      : Tool("repeat", "Repeats a word.",
             json{{"type", "object"},
                  {"properties", {{"word", {{"type", "string"}}}, {"times", {{"type", "integer"}, {"minimum", 1}}}}},
                  {"required", {"word"}},
                  {"additionalProperties", false}},
             max_chars) {}
  std::atomic<int> runs{0};

 protected:
  RunOutput run(const json& args) override {
    ++runs;
    std::string word = args["word"].get<std::string>();
    if (word == "throw") throw std::runtime_error("broken on purpose");
    RunOutput out;
    if (word == "fail") {
      out.outcome = "failed";
      out.error_class = "test_failure";
      out.error = "asked to fail";
      out.text = "failed as asked";
      return out;
    }
    int times = args.contains("times") ? args["times"].get<int>() : 1;
    for (int i = 0; i < times; ++i) out.text += word;
    out.details["times"] = times;
    return out;
  }
};

ToolRegistry registry_with(RepeatTool** tool, size_t max_chars = 100) {
  ToolRegistry r;
  auto t = std::make_unique<RepeatTool>(max_chars);
  *tool = t.get();
  r.add(std::move(t));
  return r;
}

TEST(Registry, DispatchesByNameAndRecordsTheCall) {
  RepeatTool* tool;
  ToolRegistry r = registry_with(&tool);
  ToolResult res = r.call("repeat", std::string(R"({"word": "ab", "times": 3})"));
  EXPECT_TRUE(res.ok);
  EXPECT_EQ(res.text, "ababab");
  EXPECT_EQ(res.error_class, "");
  EXPECT_EQ(tool->runs, 1);
  const json& rec = res.record;
  EXPECT_EQ(rec["tool"], "repeat");
  EXPECT_EQ(rec["arguments"], json({{"word", "ab"}, {"times", 3}}));
  EXPECT_EQ(rec["ok"], true);
  EXPECT_EQ(rec["outcome"], "ok");
  EXPECT_EQ(rec["error_class"], "");
  EXPECT_EQ(rec["error"], "");
  EXPECT_EQ(rec["text"], "ababab");
  EXPECT_EQ(rec["text_chars"], 6);
  EXPECT_EQ(rec["text_truncated"], false);
  EXPECT_EQ(rec["details"]["times"], 3);
  EXPECT_TRUE(std::regex_match(rec["started_at"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  EXPECT_GE(rec["wall_seconds"].get<double>(), 0.0);
  EXPECT_EQ(rec["wall_seconds"].get<double>(), res.wall_seconds);
}

TEST(Registry, EmptyArgumentsMeanAnEmptyObject) {
  RepeatTool* tool;
  ToolRegistry r = registry_with(&tool);
  ToolResult res = r.call("repeat", std::string("  "));
  EXPECT_EQ(res.record["outcome"], "bad_call");
  EXPECT_EQ(res.text, "error: bad arguments for repeat: $: missing required property 'word'");
}

TEST(Registry, UnknownToolIsABadCall) {
  RepeatTool* tool;
  ToolRegistry r = registry_with(&tool);
  ToolResult res = r.call("repet", std::string(R"({"word": "a"})"));
  EXPECT_FALSE(res.ok);
  EXPECT_EQ(res.error_class, "unknown_tool");
  EXPECT_EQ(res.record["outcome"], "bad_call");
  EXPECT_EQ(res.record["tool"], "repet");
  EXPECT_EQ(res.text, "error: there is no tool named 'repet'; available: repeat");
  EXPECT_EQ(tool->runs, 0);
}

TEST(Registry, ArgumentsThatAreNotJsonAreABadCallKeptVerbatim) {
  RepeatTool* tool;
  ToolRegistry r = registry_with(&tool);
  ToolResult res = r.call("repeat", std::string(R"({"word": "a")"));
  EXPECT_EQ(res.error_class, "bad_arguments");
  EXPECT_EQ(res.record["arguments"], R"({"word": "a")");
  EXPECT_EQ(res.text, "error: arguments of repeat are not valid JSON");
  EXPECT_EQ(tool->runs, 0);
}

TEST(Registry, ArgumentsThatAreNotAnObjectAreABadCall) {
  RepeatTool* tool;
  ToolRegistry r = registry_with(&tool);
  ToolResult res = r.call("repeat", std::string(R"(["a"])"));
  EXPECT_EQ(res.error_class, "bad_arguments");
  EXPECT_EQ(res.text, "error: arguments of repeat must be a JSON object, got array");
  EXPECT_EQ(tool->runs, 0);
}

TEST(Registry, SchemaViolationsNeverReachTheTool) {
  RepeatTool* tool;
  ToolRegistry r = registry_with(&tool);
  for (const char* args : {R"({"word": 1})", R"({"word": "a", "times": 0})", R"({"word": "a", "times": 1.5})",
                           R"({"word": "a", "extra": true})", R"({})"}) {
    ToolResult res = r.call("repeat", std::string(args));
    EXPECT_FALSE(res.ok) << args;
    EXPECT_EQ(res.error_class, "bad_arguments") << args;
    EXPECT_EQ(res.record["outcome"], "bad_call") << args;
    EXPECT_EQ(res.text.rfind("error: bad arguments for repeat: $", 0), 0u) << res.text;
  }
  EXPECT_EQ(tool->runs, 0);
}

TEST(Registry, ToolFailureIsReportedWithItsClass) {
  RepeatTool* tool;
  ToolRegistry r = registry_with(&tool);
  ToolResult res = r.call("repeat", json{{"word", "fail"}});
  EXPECT_FALSE(res.ok);
  EXPECT_EQ(res.error_class, "test_failure");
  EXPECT_EQ(res.record["outcome"], "failed");
  EXPECT_EQ(res.record["error"], "asked to fail");
  EXPECT_EQ(res.text, "failed as asked");
}

TEST(Registry, AnExceptionInTheToolBecomesAnInternalError) {
  RepeatTool* tool;
  ToolRegistry r = registry_with(&tool);
  ToolResult res = r.call("repeat", json{{"word", "throw"}});
  EXPECT_FALSE(res.ok);
  EXPECT_EQ(res.error_class, "internal_error");
  EXPECT_EQ(res.record["outcome"], "internal_error");
  EXPECT_EQ(res.record["error"], "broken on purpose");
}

TEST(Registry, TextIsCutToTheToolBudgetAndMarkedTruncated) {
  RepeatTool* tool;
  ToolRegistry r = registry_with(&tool, 100);
  ToolResult res = r.call("repeat", json{{"word", "xyz"}, {"times", 1000}});
  EXPECT_TRUE(res.ok);
  EXPECT_LE(res.text.size(), 100u);
  EXPECT_EQ(res.record["text_chars"], 3000);
  EXPECT_EQ(res.record["text_truncated"], true);
}

TEST(Registry, InvalidUtf8IsReplacedSoTheRecordSerializes) {
  RepeatTool* tool;
  ToolRegistry r = registry_with(&tool);
  ToolResult res = r.call("repeat\xFF", std::string("{\"word\": 1"));
  EXPECT_NO_THROW(res.record.dump());
  ToolResult ok = r.call("repeat", json{{"word", "caf\xC3\xA9"}});
  EXPECT_EQ(ok.text, "caf\xC3\xA9");
}

TEST(Registry, DeclarationsAndNames) {
  RepeatTool* tool;
  ToolRegistry r = registry_with(&tool);
  EXPECT_EQ(r.names(), std::vector<std::string>{"repeat"});
  json d = r.declarations();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0]["type"], "function");
  EXPECT_EQ(d[0]["function"]["name"], "repeat");
  EXPECT_EQ(d[0]["function"]["description"], "Repeats a word.");
  EXPECT_EQ(d[0]["function"]["parameters"], tool->parameters());
  EXPECT_EQ(r.find("repeat"), tool);
  EXPECT_EQ(r.find("other"), nullptr);
  EXPECT_THROW(r.add(std::make_unique<RepeatTool>()), std::invalid_argument);
}

TEST(Registry, ConcurrentCallsEachGetTheirOwnResult) {
  RepeatTool* tool;
  ToolRegistry r = registry_with(&tool, 10000);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 1; t <= 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        ToolResult res = r.call("repeat", json{{"word", "w"}, {"times", t}});
        if (res.text != std::string(t, 'w')) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(tool->runs, 400);
}

}  // namespace
}  // namespace agentcoder::tools
