// Per-model necessity (necessity.h) and the knowing-doing cells, against
// values worked out by hand on a fixture with two samples per task.
//
// Arm base/direct; per task, force_text solved / judged, force_tool solved /
// judged, and the free episodes' first actions:
//   A  2/2  2/2  call, text        unnecessary (any threshold); benefits no
//   B  1/2  2/2  text, text        necessary at 1, unnecessary at 0.5; benefits yes
//   C  0/2  1/2  call, call        necessary; benefits yes
//   D  0/2  -    call, malformed   necessary; benefits unknown (no force_tool)
//   E  -    -    call, call        no necessity (no force_text)
// A is labelled none, the others python.
#include "evaluation/necessity.h"

#include <stdexcept>

#include <gtest/gtest.h>

using namespace agentcoder;
using namespace agentcoder::evaluation;
using ojson = nlohmann::ordered_json;

namespace {

ScoredEpisode episode(const std::string& task, Mode mode, int sample, ReplyKind first, std::optional<bool> correct) {
  ScoredEpisode e;
  e.key_id = task + "-" + to_string(mode) + "-" + std::to_string(sample);
  e.task_id = task;
  e.seed = static_cast<uint64_t>(sample);
  e.variant = "base";
  e.prompt_format = "direct";
  e.mode = mode;
  e.optimal_tool = task == "A" ? "none" : "python";
  e.first_decision = first;
  e.first_tool = first == ReplyKind::tool_call ? "python" : "";
  e.scored = true;
  e.correct = correct;
  return e;
}

std::vector<ScoredEpisode> fixture() {
  std::vector<ScoredEpisode> out;
  auto forced = [&](const std::string& task, Mode mode, int solved, int judged) {
    for (int i = 0; i < judged; ++i)
      out.push_back(episode(task, mode, i, mode == Mode::force_tool ? ReplyKind::tool_call : ReplyKind::text, i < solved));
  };
  auto free = [&](const std::string& task, ReplyKind a, ReplyKind b) {
    out.push_back(episode(task, Mode::free, 0, a, true));
    out.push_back(episode(task, Mode::free, 1, b, false));
  };
  const ReplyKind call = ReplyKind::tool_call, text = ReplyKind::text, malformed = ReplyKind::malformed;
  forced("A", Mode::force_text, 2, 2), forced("A", Mode::force_tool, 2, 2), free("A", call, text);
  forced("B", Mode::force_text, 1, 2), forced("B", Mode::force_tool, 2, 2), free("B", text, text);
  forced("C", Mode::force_text, 0, 2), forced("C", Mode::force_tool, 1, 2), free("C", call, call);
  forced("D", Mode::force_text, 0, 2), free("D", call, malformed);
  free("E", call, call);
  return out;
}

ojson necessity(double threshold, int bootstrap = 0) {
  static std::vector<ScoredEpisode> episodes = fixture();
  MetricsOptions o;
  o.bootstrap_samples = bootstrap;
  o.necessity_threshold = threshold;
  ojson rows = necessity_json(episodes, o);
  EXPECT_EQ(rows.size(), 1u);
  return rows.at(0);
}

}  // namespace

TEST(Necessity, PerTaskByDefinition) {
  std::vector<TaskNecessity> t = task_necessity(fixture(), 1.0);
  ASSERT_EQ(t.size(), 4u);  // E has no forced episode
  EXPECT_EQ(t[0].task_id, "A");
  EXPECT_EQ(t[0].necessary, false);
  EXPECT_EQ(t[0].benefits, false);
  EXPECT_EQ(t[1].necessary, true);  // 1 of 2 < all
  EXPECT_EQ(t[1].benefits, true);
  EXPECT_EQ(t[2].necessary, true);
  EXPECT_EQ(t[2].benefits, true);
  EXPECT_EQ(t[3].necessary, true);
  EXPECT_FALSE(t[3].benefits.has_value());
  EXPECT_EQ(t[3].force_text.judged, 2);

  std::vector<TaskNecessity> half = task_necessity(fixture(), 0.5);
  EXPECT_EQ(half[1].necessary, false);  // 1 of 2 >= half
  EXPECT_EQ(half[2].necessary, true);
  EXPECT_THROW(task_necessity(fixture(), 0.0), std::invalid_argument);
  EXPECT_THROW(task_necessity(fixture(), 1.5), std::invalid_argument);
}

// The one count of how often each mode solved a task: every mode's episodes,
// judged or not, in the row of its arm and task; E (free only) has a row.
TEST(Necessity, TalliesCountEachModesSolvedEpisodes) {
  std::vector<ScoredEpisode> episodes = fixture();
  episodes.push_back(episode("C", Mode::force_tool, 2, ReplyKind::tool_call, std::nullopt));  // not judged
  episodes.push_back(episode("C", Mode::no_tools, 0, ReplyKind::text, true));                // not a counted mode
  std::vector<TaskTallies> t = task_tallies(episodes);
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t[0].task_id, "A");
  EXPECT_EQ(t[4].task_id, "E");
  auto expect = [](const SolvedTally& tally, int64_t solved, int64_t judged, int64_t n, const char* what) {
    EXPECT_EQ(tally.solved, solved) << what;
    EXPECT_EQ(tally.judged, judged) << what;
    EXPECT_EQ(tally.episodes, n) << what;
  };
  expect(t[1].force_text, 1, 2, 2, "B force_text");
  expect(t[1].free, 1, 2, 2, "B free");
  expect(t[2].force_tool, 1, 2, 3, "C force_tool");
  expect(t[2].force_text, 0, 2, 2, "C force_text");
  expect(t[3].force_tool, 0, 0, 0, "D force_tool");
  expect(t[4].force_text, 0, 0, 0, "E force_text");
  expect(t[4].free, 1, 2, 2, "E free");
  EXPECT_EQ(task_necessity(episodes, 1.0).size(), 4u) << "a row for a task with no forced episode";
}

// Regret reads the same tallies: with two samples a mode's correctness on a
// task is its solved share. Every free pair is one right, one wrong (0.5).
//        free  tool  text  best  choice  label   agrees
//   A    0.5   1     1     1     either  none    -
//   B    0.5   1     0.5   1     tool    python  yes
//   C    0.5   0.5   0     0.5   tool    python  yes
//   D, E lack a forced mode.
// free 1.5/3, best 2.5/3, regret 1/3.
TEST(Necessity, RegretWithRepeatsTakesEachModesSolvedShare) {
  MetricsOptions o;
  o.bootstrap_samples = 0;
  ojson r = compute_metrics(fixture(), o)["regret"];
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0]["tasks"], 3);
  EXPECT_DOUBLE_EQ(r[0]["free_accuracy"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(r[0]["best_accuracy"].get<double>(), 2.5 / 3);
  EXPECT_DOUBLE_EQ(r[0]["regret"].get<double>(), 1.0 / 3);
  EXPECT_EQ(r[0]["best_choice"], (ojson{{"tool", 2}, {"text", 0}, {"either", 1}, {"neither", 0}}));
  EXPECT_DOUBLE_EQ(r[0]["label_agreement"].get<double>(), 1.0);
  EXPECT_EQ(r[0]["label_decided_tasks"], 2);
}

TEST(Necessity, KnowingDoingCellsAtThresholdAll) {
  ojson n = necessity(1.0);
  EXPECT_EQ(n["tasks"], 4);
  EXPECT_EQ(n["necessary_tasks"], 3);          // B, C, D
  EXPECT_EQ(n["benefit_tasks"], 2);            // B, C
  EXPECT_EQ(n["benefit_decided_tasks"], 3);    // A, B, C
  EXPECT_EQ(n["free_episodes"], 8);            // E's two have no necessity
  const ojson& c = n["cells"];
  // necessary & called: C's two and D's call (D's malformed is no call).
  EXPECT_EQ(c["necessary_called"]["n"], 3);
  EXPECT_DOUBLE_EQ(c["necessary_called"]["value"].get<double>(), 3.0 / 8);
  EXPECT_EQ(c["necessary_not_called"]["n"], 3);  // B's two, D's malformed
  EXPECT_EQ(c["unnecessary_called"]["n"], 1);    // A's call
  EXPECT_EQ(c["unnecessary_not_called"]["n"], 1);
  EXPECT_DOUBLE_EQ(n["mismatch"]["value"].get<double>(), 4.0 / 8);
  // The label agrees on all four: A none and unnecessary, B-D python and necessary.
  EXPECT_EQ(n["label_agreement"], (ojson{{"value", 1.0}, {"n", 4}}));
  EXPECT_TRUE(c["necessary_called"]["lo"].is_null());  // no bootstrap asked
  ASSERT_EQ(n["per_task"].size(), 4u);
  EXPECT_EQ(n["per_task"][3]["task_id"], "D");
  EXPECT_EQ(n["per_task"][3]["free"]["called"], 1);
  EXPECT_TRUE(n["per_task"][3]["benefits"].is_null());
}

TEST(Necessity, ThresholdMovesTasksBetweenCells) {
  ojson n = necessity(0.5);
  EXPECT_EQ(n["necessary_tasks"], 2);  // C, D: B is solved in half its samples
  const ojson& c = n["cells"];
  EXPECT_EQ(c["necessary_called"]["n"], 3);
  EXPECT_EQ(c["necessary_not_called"]["n"], 1);
  EXPECT_EQ(c["unnecessary_called"]["n"], 1);
  EXPECT_EQ(c["unnecessary_not_called"]["n"], 3);
  EXPECT_DOUBLE_EQ(n["mismatch"]["value"].get<double>(), 2.0 / 8);
  EXPECT_EQ(n["threshold"], 0.5);
  EXPECT_EQ(n["label_agreement"], (ojson{{"value", 0.75}, {"n", 4}}));  // B: python, yet solved in half
}

TEST(Necessity, IntervalsResampleTasksAndRepeat) {
  ojson a = necessity(1.0, 200), b = necessity(1.0, 200);
  EXPECT_EQ(a, b);
  for (const auto& [name, cell] : a["cells"].items()) {
    ASSERT_FALSE(cell["lo"].is_null()) << name;
    EXPECT_LE(cell["lo"].get<double>(), cell["value"].get<double>()) << name;
    EXPECT_GE(cell["hi"].get<double>(), cell["value"].get<double>()) << name;
  }
  // A resample's share of unnecessary_called is a mean of the drawn tasks'
  // shares (A 1/2, B, C, D 0, two episodes each), so it never exceeds 1/2:
  // the interval must not either, and with A drawn in most resamples it is
  // not a point.
  EXPECT_LE(a["cells"]["unnecessary_called"]["hi"].get<double>(), 0.5);
  EXPECT_LT(a["cells"]["unnecessary_called"]["lo"].get<double>(), a["cells"]["unnecessary_called"]["hi"].get<double>());
}
