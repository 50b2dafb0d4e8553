// The Inspect AI log of the hand-made run (training_fixture.h; its nine
// episodes are listed in training_export_test.cpp), plus a second seed of
// t1 free: samples and epochs, messages and events, the malformed call as a
// parse_error, scores, metadata, determinism. That Inspect itself reads the
// file is training_python_tests' job (label python).
#include <gtest/gtest.h>

#include "store/results_store.h"
#include "support/temp_dir.h"
#include "training/inspect_log.h"
#include "training_fixture.h"

using namespace agentcoder;
using namespace agentcoder::training;
using ojson = nlohmann::ordered_json;

namespace {

using namespace training_test;

struct Exported {
  TrainingSet set;
  ojson log;
};

Exported export_fixture(const std::string& path, const std::vector<size_t>& order) {
  Spec second_seed = specs()[0];
  second_seed.seed = 8;
  TrainingSet set = make_set(path, order, context(), {second_seed});
  store::ResultsStore store(path, store::Access::read_only);
  ojson log = inspect_log(set, store.tasks(set.run.run_id), store.scores(set.run.run_id));
  return {std::move(set), std::move(log)};
}

const ojson& sample(const ojson& log, const std::string& id, int epoch = 1) {
  for (const ojson& s : log["samples"])
    if (s["id"] == id && s["epoch"] == epoch) return s;
  static const ojson none;
  ADD_FAILURE() << "no sample " << id << " epoch " << epoch;
  return none;
}

std::vector<std::string> event_kinds(const ojson& s) {
  std::vector<std::string> kinds;
  for (const ojson& e : s["events"]) kinds.push_back(e["event"]);
  return kinds;
}

}  // namespace

TEST(InspectLog, OneSamplePerTaskAndConditionRepeatedSamplesAsEpochs) {
  agentcoder::testing::TempDir dir;
  Exported x = export_fixture(dir.path("r.sqlite"), {0, 1, 2, 3, 4, 5, 6, 7, 8});
  EXPECT_EQ(x.log["version"], 2);
  EXPECT_EQ(x.log["status"], "success");
  EXPECT_EQ(x.log["eval"]["task"], "fixture");
  EXPECT_EQ(x.log["eval"]["model"], "agentcoder/base");
  ASSERT_EQ(x.log["samples"].size(), 10u);
  EXPECT_EQ(sample(x.log, "t1/base/direct/free", 1)["metadata"]["seed"], 7);
  EXPECT_EQ(sample(x.log, "t1/base/direct/free", 2)["metadata"]["seed"], 8);
  EXPECT_EQ(sample(x.log, "t3/base/direct/force_text")["epoch"], 1);
  EXPECT_EQ(x.log["results"]["total_samples"], 10);
}

TEST(InspectLog, ACallIsAModelEventThenAToolEventAndTheToolMessageBeforeTheNextReply) {
  agentcoder::testing::TempDir dir;
  Exported x = export_fixture(dir.path("r.sqlite"), {0, 1, 2, 3, 4, 5, 6, 7, 8});
  const ojson& s = sample(x.log, "t1/base/direct/free");
  EXPECT_EQ(event_kinds(s), (std::vector<std::string>{"model", "tool", "model"}));
  const ojson& first = s["events"][0];
  EXPECT_EQ(first["tool_choice"], "auto");
  EXPECT_EQ(first["tools"][0]["name"], "python");
  EXPECT_EQ(first["input"].size(), 2u);  // system, task
  EXPECT_EQ(first["input"][1]["content"], "Question t1?");
  const ojson& reply = first["output"]["choices"][0];
  EXPECT_EQ(reply["stop_reason"], "tool_calls");
  EXPECT_EQ(reply["message"]["tool_calls"][0]["function"], "python");
  EXPECT_EQ(reply["message"]["tool_calls"][0]["arguments"]["code"], "print(6*7)");
  const ojson& tool = s["events"][1];
  EXPECT_EQ(tool["function"], "python");
  EXPECT_EQ(tool["result"], "42\n");
  EXPECT_FALSE(tool.contains("error"));
  EXPECT_EQ(tool["id"], reply["message"]["tool_calls"][0]["id"]);
  // The second reply saw the call and its result.
  const ojson& second_input = s["events"][2]["input"];
  ASSERT_EQ(second_input.size(), 4u);
  EXPECT_EQ(second_input[3]["role"], "tool");
  EXPECT_EQ(second_input[3]["content"], "42\n");
  EXPECT_EQ(s["messages"].size(), 5u);
  EXPECT_EQ(s["output"]["choices"][0]["message"]["content"], "42");
  EXPECT_EQ(s["target"], "");  // the fixture's tasks have no ground truth field
}

TEST(InspectLog, AFailedCallCarriesItsErrorAndForceModesTheirToolChoice) {
  agentcoder::testing::TempDir dir;
  Exported x = export_fixture(dir.path("r.sqlite"), {0, 1, 2, 3, 4, 5, 6, 7, 8});
  const ojson& forced = sample(x.log, "t2/base/direct/force_tool");
  EXPECT_EQ(forced["events"][0]["tool_choice"], "any");
  EXPECT_EQ(forced["events"][1]["error"]["type"], "unknown");
  EXPECT_EQ(forced["events"][1]["error"]["message"], "runtime_error");
  EXPECT_EQ(forced["events"][0]["metadata"]["prefill"], "<tool_call>{\"name\": \"");
  EXPECT_EQ(forced["messages"][3]["error"]["type"], "unknown");
  const ojson& text = sample(x.log, "t3/base/direct/force_text");
  EXPECT_EQ(text["events"][0]["tool_choice"], "none");
  EXPECT_TRUE(text["events"][0]["tools"].empty());
  // The stray call was not run: text, and no tool event.
  EXPECT_EQ(event_kinds(text), (std::vector<std::string>{"model"}));
  EXPECT_FALSE(text["output"]["choices"][0]["message"].contains("tool_calls"));
}

TEST(InspectLog, AMalformedCallIsAToolCallWithParseErrorAndTheHarnessAnswer) {
  agentcoder::testing::TempDir dir;
  Exported x = export_fixture(dir.path("r.sqlite"), {0, 1, 2, 3, 4, 5, 6, 7, 8});
  const ojson& s = sample(x.log, "t2/base/direct/free");
  EXPECT_EQ(event_kinds(s), (std::vector<std::string>{"model", "model"}));  // nothing ran
  const ojson& reply = s["events"][0]["output"]["choices"][0]["message"];
  ASSERT_EQ(reply["tool_calls"].size(), 1u);
  EXPECT_EQ(reply["tool_calls"][0]["parse_error"], "arguments are not JSON");
  EXPECT_NE(reply["content"].get<std::string>().find("print(6*7)"), std::string::npos);
  const ojson& next_input = s["events"][1]["input"];
  ASSERT_EQ(next_input.size(), 4u);
  EXPECT_EQ(next_input[3]["role"], "user");
  EXPECT_NE(next_input[3]["content"].get<std::string>().find("not run"), std::string::npos) << next_input[3];
}

TEST(InspectLog, ScoresAndMetadataCarryOurScoreProbeAndNecessity) {
  agentcoder::testing::TempDir dir;
  Exported x = export_fixture(dir.path("r.sqlite"), {0, 1, 2, 3, 4, 5, 6, 7, 8});
  const ojson& right = sample(x.log, "t1/base/direct/force_tool");
  EXPECT_EQ(right["scores"]["correct"]["value"], "C");
  EXPECT_EQ(right["scores"]["score"]["value"], 1.0);
  EXPECT_EQ(right["scores"]["correct"]["metadata"]["check"], "numeric");
  EXPECT_EQ(sample(x.log, "t1/base/direct/force_text")["scores"]["correct"]["value"], "I");
  const ojson& meta = right["metadata"];
  EXPECT_EQ(meta["mode"], "force_tool");
  EXPECT_EQ(meta["prompt_format"], "direct");
  EXPECT_EQ(meta["category"], "execution_required");
  EXPECT_EQ(meta["best_choice"], "tool");
  EXPECT_EQ(meta["tool_necessary"], true);
  EXPECT_EQ(sample(x.log, "t2/base/direct/free")["metadata"]["tool_necessary"], false);
  EXPECT_TRUE(meta["probe"].is_null());  // the fixture measured no probe
  EXPECT_EQ(x.log["metadata"]["run"], "fixture");
  EXPECT_EQ(x.log["metadata"]["manifest"]["models"][0]["sha256"], "abc");
  // 10 samples, 6 correct (t1 free twice, t1 force_tool, t2 force_text, t3 free, t3 force_tool).
  EXPECT_DOUBLE_EQ(x.log["results"]["scores"][0]["metrics"]["accuracy"]["value"].get<double>(), 0.6);
}

TEST(InspectLog, SameRunSameFileWhateverTheStoredOrder) {
  agentcoder::testing::TempDir dir;
  Exported a = export_fixture(dir.path("a.sqlite"), {0, 1, 2, 3, 4, 5, 6, 7, 8});
  Exported b = export_fixture(dir.path("b.sqlite"), {8, 3, 5, 0, 7, 1, 6, 2, 4});
  // The runs differ only in their creation time.
  a.log["eval"].erase("created");
  b.log["eval"].erase("created");
  a.log["stats"].erase("started_at");
  b.log["stats"].erase("started_at");
  a.log["stats"].erase("completed_at");
  b.log["stats"].erase("completed_at");
  for (ojson* log : {&a.log, &b.log})
    for (ojson& s : (*log)["samples"])
      for (ojson& e : s["events"]) {
        e.erase("timestamp");
        e.erase("completed");
      }
  EXPECT_EQ(a.log.dump(), b.log.dump());
}
