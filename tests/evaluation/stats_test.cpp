// stats.h against values worked out by hand or taken from textbooks:
// McNemar (exact and chi-square), AUROC with ties, reliability bins,
// quantiles, the bootstrap's determinism and coverage, and the seed
// derivation it uses.
#include "evaluation/stats.h"

#include "data/rng.h"

#include <cmath>
#include <random>
#include <stdexcept>

#include <gtest/gtest.h>

using namespace agentcoder::evaluation;

TEST(McNemar, ExactBinomialBelowTwentyFiveDiscordant) {
  // The textbook table with b = 6, c = 16 (22 discordant pairs, so exact):
  // P(X <= 6 | n = 22, 1/2) = (1 + 22 + 231 + 1540 + 7315 + 26334 + 74613) /
  // 2^22 = 110056 / 4194304; two-sided p = 2 * that = 0.0524788.
  McNemarResult r = mcnemar(6, 16);
  EXPECT_EQ(r.b, 6);
  EXPECT_EQ(r.c, 16);
  EXPECT_EQ(r.method, "exact_binomial");
  EXPECT_DOUBLE_EQ(r.statistic, 6);
  EXPECT_NEAR(r.p, 220112.0 / 4194304.0, 1e-12);
  // b = 0, c = 5: p = 2 * (1/2)^5 = 0.0625.
  EXPECT_NEAR(mcnemar(0, 5).p, 0.0625, 1e-12);
  EXPECT_NEAR(mcnemar(5, 0).p, 0.0625, 1e-12);
  // b = c = 3: 2 * (1 + 6 + 15 + 20) / 64 = 84/64 > 1, capped at 1.
  EXPECT_DOUBLE_EQ(mcnemar(3, 3).p, 1.0);
  // No discordant pairs: no evidence either way.
  EXPECT_DOUBLE_EQ(mcnemar(0, 0).p, 1.0);
}

TEST(McNemar, ChiSquareWithContinuityCorrectionFromTwentyFive) {
  // b = 10, c = 25: (|10 - 25| - 1)^2 / 35 = 196 / 35 = 5.6; the chi-square
  // (1 df) tail at 5.6 is 0.01796 (tables: 5.02 -> 0.025, 6.63 -> 0.01).
  McNemarResult r = mcnemar(10, 25);
  EXPECT_EQ(r.method, "chi_square_cc");
  EXPECT_NEAR(r.statistic, 5.6, 1e-12);
  EXPECT_NEAR(r.p, 0.01796, 5e-5);
  // Exactly 25 discordant switches to chi-square: b = 5, c = 20 gives
  // 14^2 / 25 = 7.84, just under the 0.005 critical value 7.879.
  // Equal large counts: the corrected difference is clamped at 0.
  EXPECT_DOUBLE_EQ(mcnemar(13, 13).statistic, 0.0);
  EXPECT_DOUBLE_EQ(mcnemar(13, 13).p, 1.0);
  McNemarResult edge = mcnemar(5, 20);
  EXPECT_EQ(edge.method, "chi_square_cc");
  EXPECT_NEAR(edge.statistic, 7.84, 1e-12);
  EXPECT_GT(edge.p, 0.005);
  EXPECT_LT(edge.p, 0.0053);
  // 24 discordant stays exact.
  EXPECT_EQ(mcnemar(4, 20).method, "exact_binomial");
}

TEST(Auroc, SeparationReversalAndTies) {
  EXPECT_DOUBLE_EQ(auroc({0.9, 0.8, 0.2, 0.1}, {true, true, false, false}).value(), 1.0);
  EXPECT_DOUBLE_EQ(auroc({0.9, 0.8, 0.2, 0.1}, {false, false, true, true}).value(), 0.0);
  EXPECT_DOUBLE_EQ(auroc({0.5, 0.5, 0.5}, {true, false, true}).value(), 0.5);
  // Positives {0.9, 0.4}, negatives {0.8, 0.4}: pairs 0.9>0.8 (1), 0.9>0.4
  // (1), 0.4<0.8 (0), 0.4=0.4 (1/2) -> 2.5 / 4 = 0.625.
  EXPECT_DOUBLE_EQ(auroc({0.9, 0.8, 0.4, 0.4}, {true, false, true, false}).value(), 0.625);
  // Positives {0.3, 0.7, 0.7}, negatives {0.7, 0.1}: 0.3 vs (0.7, 0.1) = 0 + 1;
  // 0.7 vs (0.7, 0.1) = 0.5 + 1, twice -> (1 + 1.5 + 1.5) / 6 = 2/3.
  EXPECT_NEAR(auroc({0.3, 0.7, 0.7, 0.7, 0.1}, {true, true, true, false, false}).value(), 4.0 / 6.0, 1e-12);
}

TEST(Auroc, NullWhenAClassIsEmpty) {
  EXPECT_FALSE(auroc({0.1, 0.9}, {true, true}).has_value());
  EXPECT_FALSE(auroc({0.1, 0.9}, {false, false}).has_value());
  EXPECT_FALSE(auroc({}, {}).has_value());
}

TEST(ReliabilityBins, EqualWidthAndEveryBinReturned) {
  // 0.05 and 0.0 -> bin 0; 0.25 -> bin 2; 0.95 and 1.0 -> bin 9 (1.0 closes
  // the last bin).
  std::vector<ReliabilityBin> bins =
      reliability_bins({0.05, 0.0, 0.25, 0.95, 1.0}, {true, false, true, true, false}, 10);
  ASSERT_EQ(bins.size(), 10u);
  EXPECT_DOUBLE_EQ(bins[0].lo, 0.0);
  EXPECT_DOUBLE_EQ(bins[0].hi, 0.1);
  EXPECT_DOUBLE_EQ(bins[9].hi, 1.0);
  EXPECT_EQ(bins[0].n, 2);
  EXPECT_NEAR(bins[0].mean_p.value(), 0.025, 1e-12);  // (0.05 + 0) / 2
  EXPECT_DOUBLE_EQ(bins[0].rate.value(), 0.5);
  EXPECT_EQ(bins[2].n, 1);
  EXPECT_DOUBLE_EQ(bins[2].rate.value(), 1.0);
  EXPECT_EQ(bins[9].n, 2);
  EXPECT_NEAR(bins[9].mean_p.value(), 0.975, 1e-12);  // (0.95 + 1) / 2
  EXPECT_DOUBLE_EQ(bins[9].rate.value(), 0.5);
  EXPECT_EQ(bins[5].n, 0);
  EXPECT_FALSE(bins[5].mean_p.has_value());
  EXPECT_FALSE(bins[5].rate.has_value());
}

TEST(Quantile, LinearInterpolation) {
  std::vector<double> v = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 0), 1);
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 1), 4);
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 0.5), 2.5);   // position 1.5
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 0.25), 1.75);  // position 0.75
}

namespace {

// The mean of 0/1 outcomes, one per cluster, as a bootstrap statistic.
ResampleStatistic mean_of(const std::vector<double>& values) {
  return [&values](const std::vector<int>& picks) -> std::optional<double> {
    double sum = 0;
    for (int i : picks) sum += values[i];
    return sum / static_cast<double>(picks.size());
  };
}

}  // namespace

TEST(Bootstrap, DeterministicGivenTheSeed) {
  std::vector<double> values;
  for (int i = 0; i < 40; ++i) values.push_back(i % 3 == 0 ? 1 : 0);
  std::optional<Interval> a = bootstrap_ci(40, mean_of(values), 500, 7);
  std::optional<Interval> b = bootstrap_ci(40, mean_of(values), 500, 7);
  std::optional<Interval> c = bootstrap_ci(40, mean_of(values), 500, 8);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->lo, b->lo);
  EXPECT_EQ(a->hi, b->hi);
  EXPECT_TRUE(a->lo != c->lo || a->hi != c->hi);
  EXPECT_LT(a->lo, 14.0 / 40);
  EXPECT_GT(a->hi, 14.0 / 40);
}

// The one seed derivation (data/rng.h) that the generator and the bootstrap
// share: splitmix64 of seed ^ FNV-1a(label), pinned to values computed
// outside the project, so neither side can drift to a formula of its own.
TEST(DeriveSeed, OneFormulaPinned) {
  EXPECT_EQ(agentcoder::data::derive_seed(1, "base/direct/free:accuracy"), 0x42d4f91a4b603947ull);
  EXPECT_EQ(agentcoder::data::derive_seed(0, ""), 0xc3817c016ba4ff30ull);
  EXPECT_NE(agentcoder::data::derive_seed(1, "x"), agentcoder::data::derive_seed(1, "y"));
  EXPECT_NE(agentcoder::data::derive_seed(1, "x"), agentcoder::data::derive_seed(2, "x"));
}

TEST(Bootstrap, DegenerateInputs) {
  std::vector<double> ones(5, 1.0);
  std::optional<Interval> constant = bootstrap_ci(5, mean_of(ones), 100, 1);
  ASSERT_TRUE(constant);
  EXPECT_DOUBLE_EQ(constant->lo, 1.0);
  EXPECT_DOUBLE_EQ(constant->hi, 1.0);
  EXPECT_FALSE(bootstrap_ci(0, mean_of(ones), 100, 1));
  EXPECT_FALSE(bootstrap_ci(5, mean_of(ones), 0, 1));
  EXPECT_FALSE(bootstrap_ci(5, [](const std::vector<int>&) { return std::optional<double>(); }, 100, 1));
}

TEST(Bootstrap, WidthAndCoverageAreSane) {
  // Bernoulli(0.3) samples of 100: the normal-theory 95% half-width is
  // 1.96 * sqrt(0.3 * 0.7 / 100) = 0.0898, so the interval is about 0.18
  // wide; over 200 samples a 95% interval should cover 0.3 about 190 times.
  std::mt19937_64 gen(12345);
  int covered = 0;
  double width_sum = 0;
  for (int rep = 0; rep < 200; ++rep) {
    std::vector<double> values(100);
    for (double& v : values) v = (gen() % 1000) < 300 ? 1 : 0;
    std::optional<Interval> ci = bootstrap_ci(100, mean_of(values), 400, 1000 + rep);
    ASSERT_TRUE(ci);
    covered += ci->lo <= 0.3 && 0.3 <= ci->hi;
    width_sum += ci->hi - ci->lo;
  }
  EXPECT_GE(covered, 176);  // 88%
  EXPECT_LE(covered, 199);
  EXPECT_NEAR(width_sum / 200, 0.18, 0.02);
}

// Paired differences, worked out by hand. Task 0 has two pairs where only B
// is right (differences +1, +1), task 1 one pair where both are (0): the
// mean difference is 2/3. A resample of the two tasks is {0, 0} (mean 1),
// {1, 1} (0) or mixed (2/3, the three pairs again); {1, 1} comes up a
// quarter of the time and {0, 0} too, so the 2.5% and 97.5% quantiles are
// exactly 0 and 1.
TEST(PairedMeanDifference, ResamplesTasksWithTheirPairs) {
  std::vector<PairedValue> pairs = {{0, 0, 1}, {0, 0, 1}, {1, 1, 1}};
  PairedDifference d = paired_mean_difference(pairs, 2, 2000, 7);
  ASSERT_TRUE(d.value.has_value());
  EXPECT_DOUBLE_EQ(*d.value, 2.0 / 3);
  ASSERT_TRUE(d.ci.has_value());
  EXPECT_DOUBLE_EQ(d.ci->lo, 0.0);
  EXPECT_DOUBLE_EQ(d.ci->hi, 1.0);
  // Deterministic given the seed.
  PairedDifference again = paired_mean_difference(pairs, 2, 2000, 7);
  EXPECT_EQ(again.ci->lo, d.ci->lo);
  EXPECT_EQ(again.ci->hi, d.ci->hi);

  // The mean is over pairs, not tasks: task 0 weighs two pairs. Had tasks
  // been averaged first, (1 + 0) / 2 = 0.5.
  EXPECT_NE(*d.value, 0.5);

  // Every task B - A = -1: the interval is the point.
  PairedDifference worse = paired_mean_difference({{0, 1, 0}, {1, 1, 0}, {2, 1, 0}}, 3, 500, 1);
  EXPECT_DOUBLE_EQ(*worse.value, -1.0);
  EXPECT_DOUBLE_EQ(worse.ci->lo, -1.0);
  EXPECT_DOUBLE_EQ(worse.ci->hi, -1.0);
}

TEST(PairedMeanDifference, DegenerateInputs) {
  PairedDifference none = paired_mean_difference({}, 0, 100, 1);
  EXPECT_FALSE(none.value.has_value());
  EXPECT_FALSE(none.ci.has_value());
  PairedDifference no_ci = paired_mean_difference({{0, 0, 1}}, 1, 0, 1);
  EXPECT_DOUBLE_EQ(*no_ci.value, 1.0);
  EXPECT_FALSE(no_ci.ci.has_value());
  EXPECT_THROW(paired_mean_difference({{3, 0, 1}}, 2, 10, 1), std::invalid_argument);
}
