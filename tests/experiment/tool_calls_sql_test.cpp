// tool_calls.executed as an analyst reads it: calls go through the agent's
// run_tool_call() over the real tool registry, the trace is mapped and
// stored, and plain SQL over the results file (what pandas.read_sql runs)
// tells a call that ran from one that never reached its tool.
#include <map>

#include <gtest/gtest.h>

#include "agent/episode_runner.h"
#include "agent/registry_toolbox.h"
#include "experiment/record_mapping.h"
#include "store/results_store.h"
#include "support/temp_dir.h"
#include "tools/registry.h"
#include "utils/sha256.h"
#include "utils/sqlite_db.h"

namespace {

using namespace agentcoder;
using nlohmann::json;

// A tool that needs {"text": string}; it fails when asked to.
class EchoTool : public tools::Tool {
 public:
  EchoTool()
      : Tool("echo", "Echo text.",
             json::parse(R"({"type":"object","properties":{"text":{"type":"string"}},"required":["text"]})"),
             1000) {}

 protected:
  tools::RunOutput run(const json& arguments) override {
    tools::RunOutput out;
    out.text = arguments["text"].get<std::string>();
    if (out.text == "fail") {
      out.outcome = "failed";
      out.error_class = "runtime_error";
      out.error = "asked to fail";
    }
    return out;
  }
};

// tool_calls rows of the stored episode, by call_id: {executed, ok, error_class}.
std::map<std::string, std::tuple<int64_t, int64_t, std::string>> select_calls(const std::string& file) {
  Db db(file, /*read_only=*/true);
  Statement s(db,
              "SELECT c.call_id, c.executed, c.ok, c.error_class FROM tool_calls c "
              "JOIN episodes e ON e.episode_id = c.episode_id WHERE e.task_id = 't1'");
  std::map<std::string, std::tuple<int64_t, int64_t, std::string>> rows;
  while (s.step()) rows[s.text("call_id")] = {s.integer("executed"), s.integer("ok"), s.text("error_class")};
  return rows;
}

TEST(ToolCallsSql, ExecutedSaysWhetherTheToolRan) {
  auto registry = std::make_unique<tools::ToolRegistry>();
  registry->add(std::make_unique<EchoTool>());
  agent::RegistryToolbox toolbox(std::move(registry));

  agent::StepTrace step;
  step.reply.kind = ReplyKind::tool_call;
  step.reply.tool_calls = {{"ran", "echo", R"({"text": "hi"})"},
                           {"ran_failed", "echo", R"({"text": "fail"})"},
                           {"unknown", "web_search", R"({"text": "hi"})"},
                           {"schema", "echo", R"({"text": 5})"},
                           {"not_json", "echo", R"({"text": )"}};
  for (const models::ToolCall& call : step.reply.tool_calls) step.tool_calls.push_back(agent::run_tool_call(toolbox, call));
  agent::EpisodeTrace trace;
  trace.steps = {step};

  data::Task task;
  task.id = "t1";
  task.optimal_tool = "python";
  store::EpisodeKey key;
  key.task_id = "t1";
  key.task_sha256 = sha256_hex("t1");
  key.model_sha256 = sha256_hex("model");
  key.prompt_format = "direct";
  key.mode = "free";
  key.tools = {"echo"};

  agentcoder::testing::TempDir dir;
  const std::string file = dir.path("results.sqlite");
  {
    store::ResultsStore results(file);
    store::RunSession run = results.begin_run({"exp", "seed = 1\n", nullptr, json::object()});
    results.put_episode(run, experiment::to_record(trace, key, "base", task));
  }

  auto rows = select_calls(file);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows["ran"], std::make_tuple(int64_t{1}, int64_t{1}, std::string()));
  EXPECT_EQ(rows["ran_failed"], std::make_tuple(int64_t{1}, int64_t{0}, std::string("runtime_error")));
  EXPECT_EQ(rows["unknown"], std::make_tuple(int64_t{0}, int64_t{0}, std::string("unknown_tool")));
  EXPECT_EQ(rows["schema"], std::make_tuple(int64_t{0}, int64_t{0}, std::string("bad_arguments")));
  EXPECT_EQ(rows["not_json"], std::make_tuple(int64_t{0}, int64_t{0}, std::string("bad_arguments")));
}

}  // namespace
