// plan(): every variant x format x mode x task episode, keyed and in the
// documented order; the same plan twice; task selection by split, per cell
// and limit; what planning refuses; [tools_options] reaching the tools.
#include <set>

#include "adapters/registry.h"
#include "data/rng.h"
#include "experiment/plan.h"
#include "experiment/runner.h"
#include "experiment/task_selection.h"
#include "experiment_fixture.h"
#include "utils/errors.h"
#include "utils/sha256.h"

namespace experiment_test {
namespace {

TEST_F(ExperimentTest, PlanHasEveryVariantFormatModeAndTaskOnce) {
  experiment::RunConfig c = config("grid");
  c.formats = {"tool_description", "direct"};
  c.models.push_back({"tiny-lora", AGENTCODER_TINY_MODEL, "", {std::string(AGENTCODER_TINY_LORA) + ":0.5"}, 0});
  experiment::Plan p = experiment::plan(c, {dir_ + "/results"});

  ASSERT_EQ(p.tasks.size(), 5u);  // the test split
  ASSERT_EQ(p.variants.size(), 2u);
  EXPECT_EQ(p.variants[1].adapters.size(), 1u);
  EXPECT_EQ(p.variants[1].adapters[0].scale, 0.5);
  ASSERT_EQ(p.episodes.size(), 2u * 2u * 3u * 5u);
  std::set<std::string> ids;
  for (const auto& e : p.episodes) {
    EXPECT_TRUE(ids.insert(e.key.id()).second) << "two episodes share a key";
    EXPECT_EQ(e.key.task_id, p.tasks[e.task].id);
    EXPECT_EQ(e.key.model_sha256, p.variants[e.variant].sha256);
    EXPECT_EQ(e.key.adapters, p.variants[e.variant].adapters);
    EXPECT_EQ(e.key.prompt_format, e.format);
    EXPECT_EQ(e.key.mode, to_string(e.mode));
    // force_text offers no tools, so its key names none.
    EXPECT_EQ(e.key.tools.empty(), e.mode == Mode::force_text) << e.key.mode;
  }
  // Variant, then format name, then mode as configured, then task id.
  EXPECT_EQ(p.episodes.front().variant, 0u);
  EXPECT_EQ(p.episodes.front().format, "direct");
  EXPECT_EQ(p.episodes.front().mode, Mode::free);
  EXPECT_EQ(p.episodes[5].mode, Mode::force_tool);
  EXPECT_EQ(p.episodes[15].format, "tool_description");
  EXPECT_EQ(p.episodes[30].variant, 1u);
  for (size_t i = 1; i < 5; ++i) EXPECT_LT(p.tasks[p.episodes[i - 1].task].id, p.tasks[p.episodes[i].task].id);
  // The manifest names the models and the task file.
  EXPECT_EQ(p.manifest["models"].size(), 2u);
  EXPECT_EQ(p.manifest["tasks"]["selected"], 5);
  EXPECT_EQ(p.results_path, dir_ + "/results/grid/results.sqlite");
}

// K samples: K episodes per task and condition, sample after task in the
// order, sample 0 with the config's seed and the same key as a one-sample
// plan's (so raising samples resumes it), the others with derived seeds.
TEST_F(ExperimentTest, SamplesRepeatEachEpisodeWithDerivedSeeds) {
  experiment::RunConfig c = config("samples");
  c.temperature = 0.7f;
  experiment::Plan one = experiment::plan(c, {dir_ + "/results", 2});
  c.samples = 3;
  experiment::Plan p = experiment::plan(c, {dir_ + "/results", 2});
  ASSERT_EQ(one.episodes.size(), 2u * 3u);
  ASSERT_EQ(p.episodes.size(), 2u * 3u * 3u);
  std::set<std::string> ids;
  for (size_t i = 0; i < p.episodes.size(); ++i) {
    const experiment::PlannedEpisode& e = p.episodes[i];
    EXPECT_TRUE(ids.insert(e.key.id()).second) << "two episodes share a key";
    EXPECT_EQ(e.sample, static_cast<int>(i % 3));
    EXPECT_EQ(e.key.sample, e.sample);
    EXPECT_EQ(e.key.seed, experiment::sample_seed(5, e.sample));
    if (e.sample == 0) EXPECT_EQ(e.key.id(), one.episodes[i / 3].key.id());
  }
  EXPECT_EQ(experiment::sample_seed(5, 0), 5u);
  EXPECT_EQ(experiment::sample_seed(5, 2), static_cast<uint32_t>(agentcoder::data::derive_seed(5, "sample:2")));
  EXPECT_NE(experiment::sample_seed(5, 1), experiment::sample_seed(5, 2));
  EXPECT_EQ(p.manifest["seeds"]["samples"], 3);
}

TEST_F(ExperimentTest, ARegisteredAdapterBringsItsFactsIntoTheManifest) {
  agentcoder::adapters::AdapterRecord r;
  r.name = "tiny-sft";
  r.path = AGENTCODER_TINY_LORA;
  r.sha256 = agentcoder::sha256_file_hex(AGENTCODER_TINY_LORA);
  r.rank = 4;
  r.alpha = 4;
  r.target_modules = {"q_proj", "v_proj"};
  r.data_sha256 = "feedface";
  r.data_path = "/exports/sft.jsonl";
  agentcoder::adapters::AdapterRegistry(dir_ + "/registry").add(r, false);
  setenv("AGENTCODER_ADAPTER_REGISTRY", (dir_ + "/registry").c_str(), 1);
  experiment::RunConfig c = config("registered");
  c.models.push_back({"tiny-lora", AGENTCODER_TINY_MODEL, "", {std::string(AGENTCODER_TINY_LORA) + ":0.5"}, 0});
  experiment::Plan p = experiment::plan(c, {dir_ + "/results"});
  unsetenv("AGENTCODER_ADAPTER_REGISTRY");
  const auto& adapter = p.manifest["models"][1]["adapters"][0];
  ASSERT_TRUE(adapter.contains("registered")) << adapter.dump();
  EXPECT_EQ(adapter["registered"]["name"], "tiny-sft");
  EXPECT_EQ(adapter["registered"]["rank"], 4);
  EXPECT_EQ(adapter["registered"]["alpha"], 4.0);
  EXPECT_EQ(adapter["registered"]["target_modules"], nlohmann::json({"q_proj", "v_proj"}));
  EXPECT_EQ(adapter["registered"]["data_sha256"], "feedface");
  EXPECT_EQ(adapter["scale"], 0.5);
  // An adapter the registry does not know is listed by path and sha256 only.
  experiment::Plan unknown = experiment::plan(c, {dir_ + "/results"});
  EXPECT_FALSE(unknown.manifest["models"][1]["adapters"][0].contains("registered"));
}

TEST_F(ExperimentTest, PlanningTwiceGivesTheSameKeysAndAChangeGivesNewOnes) {
  experiment::Plan a = experiment::plan(config("same"), {dir_ + "/r"});
  experiment::Plan b = experiment::plan(config("same"), {dir_ + "/r"});
  ASSERT_EQ(a.episodes.size(), b.episodes.size());
  for (size_t i = 0; i < a.episodes.size(); ++i) EXPECT_EQ(a.episodes[i].key.id(), b.episodes[i].key.id());

  experiment::RunConfig changed = config("same");
  changed.max_tokens_per_step = 17;  // a setting that changes what the model can do
  experiment::Plan c = experiment::plan(changed, {dir_ + "/r"});
  for (size_t i = 0; i < a.episodes.size(); ++i) EXPECT_NE(a.episodes[i].key.id(), c.episodes[i].key.id());
}

TEST_F(ExperimentTest, SelectionTakesTheSplitThenPerCellThenTheLimit) {
  experiment::RunConfig c = config("select");
  c.per_cell = 1;
  std::vector<data::Task> picked = experiment::select_tasks(c, tasks());
  ASSERT_EQ(picked.size(), 3u);  // one from each of the three cells of the test split
  std::set<std::pair<int, int>> cells;
  for (const auto& t : picked) {
    EXPECT_EQ(t.split, "test");
    cells.insert({static_cast<int>(t.category), static_cast<int>(t.difficulty)});
  }
  EXPECT_EQ(cells.size(), 3u);
  EXPECT_TRUE(std::is_sorted(picked.begin(), picked.end(), [](auto& a, auto& b) { return a.id < b.id; }));

  // The choice within a cell depends on the seed and the ids, not the file
  // order, so adding a task to another cell changes nothing.
  std::vector<data::Task> more = tasks();
  std::reverse(more.begin(), more.end());
  data::Task extra = more.front();
  extra.id = "t-z9";
  extra.category = data::Category::ambiguous;
  extra.split = "test";
  more.push_back(extra);
  std::vector<data::Task> again = experiment::select_tasks(c, more);
  ASSERT_EQ(again.size(), 4u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(again[i].id, picked[i].id);

  c.per_cell = 0;
  EXPECT_EQ(experiment::select_tasks(c, tasks(), 2).size(), 2u);
  c.split = "";
  EXPECT_EQ(experiment::select_tasks(c, tasks()).size(), 6u);
}

TEST_F(ExperimentTest, PlanningRefusesWhatTheUserCanFix) {
  experiment::RunConfig c = config("bad");
  c.split = "dev";  // no task in it
  EXPECT_THROW(experiment::plan(c, {dir_ + "/r"}), InputError);
  c = config("bad");
  c.tasks = path("missing.jsonl");
  EXPECT_THROW(experiment::plan(c, {dir_ + "/r"}), InputError);
  c = config("bad");
  c.models[0].path = path("missing.gguf");
  EXPECT_THROW(experiment::plan(c, {dir_ + "/r"}), InputError);
  c = config("bad");
  c.formats = {"no_such_format"};
  EXPECT_THROW(experiment::plan(c, {dir_ + "/r"}), InputError);
  c = config("bad");
  c.tools = {"no_such_tool"};
  EXPECT_THROW(experiment::plan(c, {dir_ + "/r"}), InputError);
}

// Keys hash a variant's content, not its name: a second [[models]] entry
// with the same file and adapters is refused (it used to run every episode
// a second time and store none of them), one with another adapter scale is
// another variant.
TEST_F(ExperimentTest, TheSameModelTwiceIsRefusedByName) {
  experiment::RunConfig c = config("twice");
  c.models.push_back(c.models[0]);
  c.models[1].name = "again";
  try {
    experiment::plan(c, {dir_ + "/r"});
    FAIL() << "the same model twice was planned";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'again' is the same model and adapters as '" + c.models[0].name + "'"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(ExperimentTest, EngineIsSizedForTheSequencesAndTheSharedPrefixes) {
  experiment::RunConfig c = config("size");
  c.parallel = 4;
  c.context_per_sequence = 512;
  models::EngineOptions o = experiment::engine_options(c, 3);
  EXPECT_EQ(o.parallel, 4);
  EXPECT_EQ(o.max_prefixes, 6);  // three formats, each with and without tools
  EXPECT_EQ(o.context_size, 512 * (4 + 6));
  EXPECT_EQ(o.threads, 2);
}

// [tools_options.python] max_chars reaches the tool (what the model is shown
// of a long output), is part of the episodes' keys, and a misspelled option
// is refused when planning.
TEST_F(ExperimentTest, ToolOptionsReachTheTools) {
  const std::string long_output = R"j({"code": "print('x' * 3000)"})j";
  experiment::Plan plain = experiment::plan(config("opts"), {dir_ + "/r"});
  tools::ToolResult wide = plain.toolbox->registry().call("python", long_output);
  ASSERT_TRUE(wide.ok) << wide.text;

  experiment::RunConfig c = config("opts");
  c.tools_options = {{"python", {{"max_chars", 200}}}};
  experiment::Plan narrow_plan = experiment::plan(c, {dir_ + "/r"});
  tools::ToolResult narrow = narrow_plan.toolbox->registry().call("python", long_output);
  ASSERT_TRUE(narrow.ok) << narrow.text;
  EXPECT_GT(wide.text.size(), 1000u);
  EXPECT_LE(narrow.text.size(), 200u);
  EXPECT_NE(plain.episodes[0].key.id(), narrow_plan.episodes[0].key.id());

  c.tools_options = {{"python", {{"max_char", 200}}}};
  try {
    experiment::plan(c, {dir_ + "/r"});
    ADD_FAILURE() << "a misspelled tool option was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("tools_options.python: unknown option 'max_char'"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace experiment_test
