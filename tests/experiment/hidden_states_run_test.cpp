// [probe] hidden_layers: the config key and its checks (file:line, layers of
// the model), and a run on the tiny model that keeps one row per free
// episode in <run>/hidden_states.bin, keyed by the episode, referenced from
// the manifest, none twice on resume, and the same episodes as without it.
#include "experiment/plan.h"
#include "experiment/runner.h"
#include "experiment_fixture.h"
#include "store/hidden_states_file.h"
#include "utils/errors.h"

namespace experiment_test {
namespace {

std::string config_error(const std::string& probe_section) {
  const std::string text =
      "name = \"t\"\n[data]\ntasks = \"tasks.jsonl\"\n[[models]]\npath = \"m.gguf\"\n"
      "[agent]\nformats = [\"direct\"]\nmodes = [\"free\"]\n" +
      probe_section;  // from line 9
  try {
    experiment::parse_run_config(text, "c.toml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ProbeConfig, HiddenLayersAndDtypeAreRead) {
  const std::string text =
      "name = \"t\"\n[data]\ntasks = \"tasks.jsonl\"\n[[models]]\npath = \"m.gguf\"\n"
      "[agent]\nformats = [\"direct\"]\nmodes = [\"free\"]\n[probe]\nhidden_layers = [3, 0]\ndtype = \"f16\"\n";
  experiment::RunConfig c = experiment::parse_run_config(text, "c.toml");
  EXPECT_EQ(c.hidden_layers, (std::vector<int>{3, 0}));
  EXPECT_EQ(c.hidden_dtype, "f16");
  EXPECT_EQ(c.hidden_layers_place, "c.toml:10: [probe] hidden_layers");
  EXPECT_TRUE(experiment::parse_run_config(text.substr(0, text.find("[probe]")), "c.toml").hidden_layers.empty());
}

TEST(ProbeConfig, BadValuesNameTheLine) {
  EXPECT_EQ(config_error("[probe]\nhidden_layers = [1, -2]\n"),
            "c.toml:10: [probe] hidden_layers: element -2 must be between 0 and 100000");
  EXPECT_EQ(config_error("[probe]\nhidden_layers = 3\n"),
            "c.toml:10: [probe] hidden_layers: expected an array of integers, got an integer");
  EXPECT_EQ(config_error("[probe]\nhidden_layers = [\"3\"]\n"),
            "c.toml:10: [probe] hidden_layers: expected an array of integers, got an element of type a string");
  EXPECT_EQ(config_error("[probe]\nhidden_layers = [2, 2]\n"), "c.toml:10: [probe] hidden_layers: layer 2 is listed twice");
  EXPECT_EQ(config_error("[probe]\nhidden_layers = [2]\ndtype = \"bf16\"\n"),
            "c.toml:11: [probe] dtype: unknown dtype 'bf16' (f32, f16)");
  EXPECT_NE(config_error("[probe]\nhidden_layer = [2]\n").find("c.toml:10: [probe] hidden_layer: unknown key"),
            std::string::npos);
}

TEST_F(ExperimentTest, ALayerOutsideTheModelIsRefusedWithItsLine) {
  experiment::RunConfig c = config("deep");
  c.hidden_layers = {0, 2};  // the tiny model has layers 0 and 1
  c.hidden_layers_place = "deep.toml:12: [probe] hidden_layers";
  try {
    experiment::plan(c, {dir_ + "/r"});
    FAIL() << "layer 2 was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "deep.toml:12: [probe] hidden_layers: layer 2 is not a layer of model 'tiny' (2 layers: 0 to 1)");
  }
}

TEST_F(ExperimentTest, FreeEpisodesKeepTheirHiddenStatesAndRepliesDoNotChange) {
  // The free mode only, one thread: seconds.
  auto small = [this] {
    experiment::RunConfig c = config("probe");
    c.modes = {Mode::free};
    c.threads = 1;
    return c;
  };
  experiment::RunConfig with = small();
  with.hidden_layers = {1, 0};
  experiment::Plan p = experiment::plan(with, {dir_ + "/with"});
  EXPECT_EQ(p.manifest["hidden_states"]["file"], "hidden_states.bin");
  EXPECT_EQ(p.manifest["hidden_states"]["layers"], nlohmann::json::array({1, 0}));
  {
    store::ResultsStore results(p.results_path);
    experiment::run(p, results);
  }
  const std::string file = p.run_dir + "/hidden_states.bin";
  store::HiddenStates hidden = store::read_hidden_states(file);
  EXPECT_EQ(hidden.header.layers, (std::vector<int>{1, 0}));
  std::set<std::string> free_keys;
  for (const auto& e : p.episodes) free_keys.insert(e.key.id());
  ASSERT_EQ(free_keys.size(), 5u);
  std::set<std::string> row_keys;
  for (const auto& row : hidden.rows) {
    row_keys.insert(row.episode_id);
    EXPECT_EQ(row.width, 64);  // the tiny model's n_embd
    EXPECT_EQ(row.values.size(), 128u);
  }
  EXPECT_EQ(row_keys, free_keys);
  EXPECT_EQ(hidden.rows.size(), 5u);

  // Resumed: nothing runs, nothing is appended.
  const auto size = std::filesystem::file_size(file);
  {
    store::ResultsStore results(p.results_path);
    experiment::RunOptions resume;
    resume.resume = true;
    EXPECT_EQ(experiment::run(p, results, resume).ran, 0u);
  }
  EXPECT_EQ(std::filesystem::file_size(file), size);

  // The same plan without the probe: the same keys and the same replies.
  experiment::Plan q = experiment::plan(small(), {dir_ + "/without"});
  {
    store::ResultsStore results(q.results_path);
    experiment::run(q, results);
  }
  EXPECT_FALSE(std::filesystem::exists(q.run_dir + "/hidden_states.bin"));
  store::ResultsStore a(p.results_path, store::Access::read_only), b(q.results_path, store::Access::read_only);
  const int64_t ra = a.pick_run("probe").run_id, rb = b.pick_run("probe").run_id;
  for (const auto& e : q.episodes) {
    auto x = a.get_episode(ra, e.key.id()), y = b.get_episode(rb, e.key.id());
    ASSERT_TRUE(x && y) << "the probe changed the key of " << e.key.task_id;
    ASSERT_EQ(x->record.steps.size(), y->record.steps.size());
    for (size_t s = 0; s < x->record.steps.size(); ++s)
      EXPECT_EQ(x->record.steps[s].model_text, y->record.steps[s].model_text) << e.key.task_id << " " << e.key.mode;
  }
}

}  // namespace
}  // namespace experiment_test
