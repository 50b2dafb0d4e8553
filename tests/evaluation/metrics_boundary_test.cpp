// Decision and competence boundaries (boundary.h) on fixtures whose 50%
// points follow from symmetry or saturation (see stats_logistic_test.cpp):
//
// Family exec.big_multiply, knob digits, s tasks... per knob value 4s tasks,
// one free and one force_text episode each:
//   free calls:          digits 4: 1/4, 6: 2/4, 8: 3/4 -> symmetric about 6: x50 = 6
//   force_text correct:  digits 4: 3/4, 6: 1/4 (none at 8) -> saturated: x50 = 5
//   gap = 6 - 5 = 1: the model starts calling a digit later than it stops
//   answering alone.
// Replicating every task s times leaves the estimates unchanged.
#include "evaluation/boundary.h"
#include "evaluation/logistic.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace agentcoder;
using namespace agentcoder::evaluation;
using ojson = nlohmann::ordered_json;

namespace {

ScoredEpisode episode(const std::string& family, const std::string& task, double knob, Mode mode, bool yes) {
  ScoredEpisode e;
  e.key_id = task + "-" + to_string(mode);
  e.task_id = task;
  e.variant = "base";
  e.prompt_format = "direct";
  e.mode = mode;
  e.family = family;
  e.knob = "digits";
  e.knob_value = knob;
  e.scored = true;
  e.first_decision = mode == Mode::free && yes ? ReplyKind::tool_call : ReplyKind::text;
  e.correct = mode == Mode::force_text ? std::optional<bool>(yes) : std::optional<bool>(false);
  return e;
}

// `calls` of `n` tasks at `knob` call under free; `solved` of them are
// correct under force_text (force_text episodes only when with_text).
void tasks(std::vector<ScoredEpisode>& out, const std::string& family, double knob, int n, int calls, int solved,
           bool with_text) {
  for (int i = 0; i < n; ++i) {
    std::string id = family + "." + std::to_string(static_cast<int>(knob)) + "." + std::to_string(100 + i);
    out.push_back(episode(family, id, knob, Mode::free, i < calls));
    if (with_text) out.push_back(episode(family, id, knob, Mode::force_text, i < solved));
  }
}

std::vector<ScoredEpisode> multiply(int s) {
  std::vector<ScoredEpisode> out;
  tasks(out, "exec.big_multiply", 4, 4 * s, 1 * s, 3 * s, true);
  tasks(out, "exec.big_multiply", 6, 4 * s, 2 * s, 1 * s, true);
  tasks(out, "exec.big_multiply", 8, 4 * s, 3 * s, 0, false);
  return out;
}

ojson boundaries(const std::vector<ScoredEpisode>& episodes, int bootstrap) {
  MetricsOptions o;
  o.bootstrap_samples = bootstrap;
  return boundaries_json(episodes, o);
}

}  // namespace

TEST(Boundary, FiftyPercentPointsAndGap) {
  ojson b = boundaries(multiply(1), 0);
  ASSERT_EQ(b.size(), 1u);
  const ojson& f = b[0];
  EXPECT_EQ(f["family"], "exec.big_multiply");
  EXPECT_EQ(f["knob"], "digits");
  EXPECT_EQ(f["scale"], "linear");  // 4 to 8 digits: 2x
  EXPECT_EQ(f["tasks"], 12);
  EXPECT_EQ(f["call"]["status"], "ok");
  EXPECT_EQ(f["call"]["n"], 12);
  EXPECT_NEAR(f["call"]["x50"].get<double>(), 6.0, 1e-9);
  EXPECT_EQ(f["competence"]["n"], 8);
  EXPECT_NEAR(f["competence"]["x50"].get<double>(), 5.0, 1e-9);
  EXPECT_NEAR(f["gap"]["value"].get<double>(), 1.0, 1e-9);
  ASSERT_EQ(f["competence"]["points"].size(), 2u);
  EXPECT_EQ(f["competence"]["points"][0], (ojson{{"knob", 4.0}, {"n", 4}, {"rate", 0.75}}));
  EXPECT_TRUE(f["call"]["lo"].is_null());  // no bootstrap asked
}

TEST(Boundary, IntervalsFromTaskResamples) {
  ojson f = boundaries(multiply(10), 400)[0];
  EXPECT_NEAR(f["call"]["x50"].get<double>(), 6.0, 1e-9);  // replication leaves the estimate
  EXPECT_NEAR(f["gap"]["value"].get<double>(), 1.0, 1e-9);
  for (const char* part : {"call", "competence", "gap"}) {
    const ojson& c = f[part];
    double value = c.contains("x50") ? c["x50"].get<double>() : c["value"].get<double>();
    ASSERT_FALSE(c["lo"].is_null()) << part << ": " << c.dump();
    EXPECT_LT(c["lo"].get<double>(), value) << part;
    EXPECT_GT(c["hi"].get<double>(), value) << part;
  }
  EXPECT_EQ(boundaries(multiply(10), 400), boundaries(multiply(10), 400));
}

TEST(Boundary, TooManyUndefinedResamplesLeaveNoInterval) {
  // Two tasks: digits 1 calls 3 of 4 times, digits 2 once of 4 (samples
  // told apart by seed). Half the resamples draw one task twice: one knob
  // value, no curve. Far above 2.5%, so no interval, though x50 = 1.5.
  std::vector<ScoredEpisode> eps;
  for (int i = 0; i < 4; ++i) {
    ScoredEpisode a = episode("exec.tiny", "t1", 1, Mode::free, i < 3), b = episode("exec.tiny", "t2", 2, Mode::free, i < 1);
    a.seed = b.seed = static_cast<uint64_t>(i);
    eps.push_back(a);
    eps.push_back(b);
  }
  const ojson b = boundaries(eps, 1000);
  const ojson& call = b[0]["call"];
  EXPECT_NEAR(call["x50"].get<double>(), 1.5, 1e-9);
  EXPECT_TRUE(call["lo"].is_null());
  EXPECT_GT(call["undefined_resamples"].get<int>(), 400);
  EXPECT_LT(call["undefined_resamples"].get<int>(), 600);
}

TEST(Boundary, SeparationAndOneOutcomeAreSaidNotNumbered) {
  std::vector<ScoredEpisode> eps;
  tasks(eps, "pure.identity", 2, 3, 0, 3, true);  // never calls; always right at 2 digits
  tasks(eps, "pure.identity", 5, 3, 0, 0, true);  // always wrong at 5
  const ojson b = boundaries(eps, 100);
  const ojson& f = b[0];
  EXPECT_EQ(f["call"]["status"], "one_outcome");
  EXPECT_TRUE(f["call"]["x50"].is_null());
  EXPECT_EQ(f["competence"]["status"], "separated");
  EXPECT_EQ(f["competence"]["separation"], (ojson{{"lo", 2.0}, {"hi", 5.0}}));
  EXPECT_TRUE(f["competence"]["x50"].is_null());
  EXPECT_TRUE(f["gap"]["value"].is_null());
  EXPECT_TRUE(f["gap"]["lo"].is_null());
}

// Knob values 10, 100, 1000 (100x and more): fitted over log10(knob), where
// the multiply fixture's pattern sits at 1, 2, 3. Calls 1/4, 2/4, 3/4 are
// symmetric about log10 = 2: x50 = 100 (over the raw knob the same points
// cross at about 354, pulled up by the long stretch from 100 to 1000).
// Correct 3/4 at 10 and 1/4 at 100 saturate at log10 = 1.5: x50 = 10^1.5.
// The gap stays in knob units.
TEST(Boundary, AKnobSpanningOrdersOfMagnitudeIsFittedOnItsLog) {
  std::vector<ScoredEpisode> eps;
  tasks(eps, "multi.data_pipeline", 10, 4, 1, 3, true);
  tasks(eps, "multi.data_pipeline", 100, 4, 2, 1, true);
  tasks(eps, "multi.data_pipeline", 1000, 4, 3, 0, false);
  const ojson f = boundaries(eps, 0)[0];
  EXPECT_EQ(f["scale"], "log10");
  EXPECT_EQ(f["call"]["status"], "ok");
  EXPECT_NEAR(f["call"]["x50"].get<double>(), 100.0, 1e-6);
  EXPECT_NEAR(f["competence"]["x50"].get<double>(), std::pow(10.0, 1.5), 1e-6);
  EXPECT_NEAR(f["gap"]["value"].get<double>(), 100.0 - std::pow(10.0, 1.5), 1e-6);
  // The curve is on the log axis: P = 1/2 at log10(x50).
  EXPECT_NEAR(f["call"]["intercept"].get<double>() + f["call"]["slope"].get<double>() * 2.0, 0.0, 1e-9);
  EXPECT_EQ(f["call"]["points"][2]["knob"], 1000.0);  // observed points keep knob units
  std::vector<LogisticPoint> raw;  // the call points over the raw knob
  for (const ScoredEpisode& e : eps)
    if (e.mode == Mode::free) raw.push_back({*e.knob_value, e.first_decision == ReplyKind::tool_call});
  LogisticFit linear = fit_logistic(raw);
  ASSERT_TRUE(linear.x50) << to_string(linear.status);
  EXPECT_GT(*linear.x50, 300.0);

  // The same knob values shifted to include 0 cannot take a log: linear.
  std::vector<ScoredEpisode> with_zero;
  tasks(with_zero, "multi.data_pipeline", 0, 4, 1, 3, true);
  tasks(with_zero, "multi.data_pipeline", 1000, 4, 3, 0, false);
  EXPECT_EQ(boundaries(with_zero, 0)[0]["scale"], "linear");
}

TEST(Boundary, SeparationOnTheLogAxisIsReportedInKnobUnits) {
  std::vector<ScoredEpisode> eps;
  tasks(eps, "exec.sum_of_powers", 20, 3, 0, 3, true);    // always right at n = 20
  tasks(eps, "exec.sum_of_powers", 2000, 3, 0, 0, true);  // always wrong at n = 2000
  const ojson f = boundaries(eps, 100)[0];
  EXPECT_EQ(f["scale"], "log10");
  EXPECT_EQ(f["competence"]["status"], "separated");
  EXPECT_NEAR(f["competence"]["separation"]["lo"].get<double>(), 20.0, 1e-9);
  EXPECT_NEAR(f["competence"]["separation"]["hi"].get<double>(), 2000.0, 1e-9);
}
