// BFCL-shaped tasks through the experiment: a task with its own functions is
// posed with them (keys name them), its calls are stored as not run by
// design, and a task the runner cannot pose is refused before anything runs.
#include "experiment/plan.h"
#include "experiment/runner.h"
#include "experiment/task_functions.h"
#include "experiment_fixture.h"
#include "models/chat_template.h"
#include "models/model.h"
#include "store/results_store.h"
#include "utils/errors.h"
#include "utils/sha256.h"

namespace experiment_test {
namespace {

using ojson = nlohmann::ordered_json;

// BFCL writes `dict` where JSON Schema says object.
const char* kWeather = R"([{"name": "get_weather", "description": "The current weather of a city.",
    "parameters": {"type": "dict", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
  {"name": "get_time_zone", "description": "The time zone of a city.",
    "parameters": {"type": "dict", "properties": {"city": {"type": "string"}}, "required": ["city"]}}])";

data::Task bfcl_task(const std::string& id, data::Check check) {
  data::Task t;
  t.id = id;
  t.prompt = "What is the weather in Paris, France, right now? (" + id + ")";
  t.category = check == data::Check::abstain ? data::Category::pure_reasoning : data::Category::execution_required;
  t.difficulty = data::Difficulty::intermediate;
  t.check = check;
  t.functions = ojson::parse(kWeather);
  if (check == data::Check::abstain) {
    t.optimal_tool = "none";
  } else {
    t.optimal_tool = "get_weather";
    t.expected_calls = ojson::parse(R"([{"get_weather": {"city": ["Paris", "Paris, France"]}}])");
  }
  t.source = "bfcl";
  t.split = "test";
  return t;
}

class PublicSetsTest : public ExperimentTest {
 protected:
  experiment::RunConfig bfcl_config(const std::string& name, const std::vector<data::Task>& tasks) {
    data::write_tasks(path(name + ".jsonl"), tasks);
    experiment::RunConfig c = config(name);
    c.tasks = path(name + ".jsonl");
    return c;
  }
  // The InputError text of planning `tasks`, "" when planning succeeds.
  std::string refusal(const std::string& name, const std::vector<data::Task>& tasks) {
    try {
      experiment::plan(bfcl_config(name, tasks), {dir_ + "/r"});
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  }
};

TEST_F(PublicSetsTest, KeysOfATaskWithFunctionsNameThemAndItsFirstTurnOffersThem) {
  experiment::Plan p = experiment::plan(bfcl_config("keys", {bfcl_task("bfcl/1", data::Check::call_match)}),
                                        {dir_ + "/r"});
  ASSERT_EQ(p.posed.size(), 1u);
  ASSERT_EQ(p.posed[0].functions.size(), 2u);
  EXPECT_NE(p.posed[0].functions[0].parameters.find("\"object\""), std::string::npos);
  EXPECT_EQ(p.posed[0].functions[0].parameters.find("\"dict\""), std::string::npos);
  models::Model model({AGENTCODER_TINY_MODEL});
  models::ChatTemplate chat(model);
  for (const auto& e : p.episodes) {
    if (e.mode == Mode::force_text) {
      EXPECT_TRUE(e.key.tools.empty());
      continue;
    }
    EXPECT_EQ(e.key.tools, (std::vector<std::string>{"get_weather", "get_time_zone"})) << to_string(e.mode);
    const std::string turn =
        agent::first_turn(chat, p.toolbox->schemas(), p.formats.at(e.format), e.mode, p.posed[e.task], p.agent);
    EXPECT_EQ(e.key.prompt_sha256, sha256_hex(turn));
    EXPECT_NE(turn.find("get_weather"), std::string::npos);
    EXPECT_EQ(turn.find("python"), std::string::npos) << turn;
  }
}

// A run over BFCL-shaped tasks: every episode ends at its first reply, even
// a malformed attempt (the tiny model's force_tool replies), and a call is
// stored as not run by design. The tiny model writes no call that parses;
// agent/default_model_episode_test.cpp shows one on the default model.
TEST_F(PublicSetsTest, EpisodesOfATaskWithFunctionsEndAtTheFirstReplyAndRunNothing) {
  std::vector<data::Task> tasks;
  for (int i = 0; i < 4; ++i) tasks.push_back(bfcl_task("bfcl/" + std::to_string(i), data::Check::call_match));
  tasks.push_back(bfcl_task("bfcl/irrelevance_0", data::Check::abstain));
  experiment::RunConfig c = bfcl_config("bfcl", tasks);
  c.modes = {Mode::free, Mode::force_tool};
  c.max_steps = 3;
  c.max_tokens = 96;
  c.max_tokens_per_step = 64;
  experiment::Plan p = experiment::plan(c, {dir_ + "/r"});
  {
    store::ResultsStore results(p.results_path);
    EXPECT_EQ(experiment::run(p, results).ran, 10u);
  }
  store::ResultsStore results(p.results_path, store::Access::read_only);
  int64_t run_id = results.pick_run("bfcl").run_id;
  int attempts = 0;
  for (const auto& listed : results.list_episodes(run_id)) {
    store::EpisodeRecord e = results.get_episode(run_id, listed.key_id)->record;
    ASSERT_EQ(e.steps.size(), 1u) << e.key.task_id << " " << e.stop_reason << " " << e.error;
    const bool cut = e.steps[0].generation_stop == to_string(GenerationStop::max_tokens);
    EXPECT_EQ(e.stop_reason, to_string(cut ? StopReason::max_tokens : StopReason::first_reply));
    EXPECT_EQ(e.key.tools, (std::vector<std::string>{"get_weather", "get_time_zone"}));
    for (const auto& call : e.steps[0].tool_calls) {
      EXPECT_FALSE(call.executed);
      EXPECT_EQ(call.error_class, kNotRunByDesign);
    }
    attempts += e.steps[0].reply_kind != to_string(ReplyKind::text);
  }
  EXPECT_GT(attempts, 0) << "every reply was text: ending at the first reply was not exercised";
}

TEST_F(PublicSetsTest, ATaskTheRunnerCannotPoseIsRefusedByName) {
  data::Task exact = bfcl_task("bfcl/exact", data::Check::call_match);
  exact.check = data::Check::exact;
  exact.ground_truth_output = "sunny";
  std::string why = refusal("exact", {exact});
  EXPECT_NE(why.find("task 'bfcl/exact'"), std::string::npos) << why;
  EXPECT_NE(why.find("call_match and abstain"), std::string::npos) << why;

  // An irrelevance task imported before check abstain existed.
  data::Task old = bfcl_task("bfcl/irrelevance_old", data::Check::abstain);
  old.check = data::Check::decision;
  why = refusal("old", {old});
  EXPECT_NE(why.find("task 'bfcl/irrelevance_old'"), std::string::npos) << why;

  data::Task clash = bfcl_task("bfcl/clash", data::Check::call_match);
  clash.functions[1]["name"] = "get.weather";
  why = refusal("clash", {clash});
  EXPECT_NE(why.find("task 'bfcl/clash'"), std::string::npos) << why;
  EXPECT_NE(why.find("same name"), std::string::npos) << why;

  data::Task unnamed = bfcl_task("bfcl/unnamed", data::Check::call_match);
  unnamed.functions[1].erase("name");
  why = refusal("unnamed", {unnamed});
  EXPECT_NE(why.find("task 'bfcl/unnamed': function 2 has no name"), std::string::npos) << why;

  // A schema the chat layer cannot turn into a call grammar.
  data::Task odd = bfcl_task("bfcl/odd", data::Check::call_match);
  odd.functions[0]["parameters"]["properties"]["city"]["type"] = "banana";
  why = refusal("odd", {odd});
  EXPECT_NE(why.find("task 'bfcl/odd'"), std::string::npos) << why;
  EXPECT_NE(why.find("cannot render its functions"), std::string::npos) << why;
}

}  // namespace
}  // namespace experiment_test
