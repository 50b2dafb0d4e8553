// fit_logistic against values worked out by hand. With two knob values the
// model is saturated, so the maximum likelihood curve passes through the
// observed rates: b0 + b1 x = logit(rate at x) at both points. Data that are
// symmetric under x -> c - x with y -> 1 - y have their 50% point at c / 2.
#include "evaluation/logistic.h"

#include <cmath>

#include <gtest/gtest.h>

using namespace agentcoder::evaluation;

namespace {

// `ones` of `n` observations at x have y = 1.
void add(std::vector<LogisticPoint>& points, double x, int ones, int n) {
  for (int i = 0; i < n; ++i) points.push_back({x, i < ones});
}

}  // namespace

TEST(Logistic, SaturatedTwoValuesPassThroughTheRates) {
  // x = 0: 3 of 4; x = 1: 1 of 4. logit(3/4) = ln 3, logit(1/4) = -ln 3, so
  // b0 = ln 3, b1 = -2 ln 3, and the 50% point is 0.5.
  std::vector<LogisticPoint> p;
  add(p, 0, 3, 4);
  add(p, 1, 1, 4);
  LogisticFit f = fit_logistic(p);
  ASSERT_EQ(f.status, LogisticStatus::ok);
  EXPECT_NEAR(*f.intercept, std::log(3.0), 1e-9);
  EXPECT_NEAR(*f.slope, -2 * std::log(3.0), 1e-9);
  EXPECT_NEAR(*f.x50, 0.5, 1e-9);
  EXPECT_NEAR(*f.probability(1), 0.25, 1e-9);
}

TEST(Logistic, SymmetricDataCrossAtTheCentre) {
  // Rates 4/5, 1/2, 1/5 at 1, 2, 3 map onto themselves under x -> 4 - x,
  // y -> 1 - y, so the (unique) estimate does too: x50 = 2.
  std::vector<LogisticPoint> p;
  add(p, 1, 4, 5);
  add(p, 2, 2, 4);
  add(p, 3, 1, 5);
  LogisticFit f = fit_logistic(p);
  ASSERT_EQ(f.status, LogisticStatus::ok);
  EXPECT_NEAR(*f.x50, 2.0, 1e-9);
  EXPECT_LT(*f.slope, 0);
}

TEST(Logistic, NoCrossingInsideTheDataGivesNoX50) {
  // Rates 3/4 and 9/10 at 0 and 1: b0 = ln 3, b1 = ln 9 - ln 3 = ln 3; the
  // curve would cross 50% at -1, outside [0, 1].
  std::vector<LogisticPoint> p;
  add(p, 0, 3, 4);
  add(p, 1, 9, 10);
  LogisticFit f = fit_logistic(p);
  EXPECT_EQ(f.status, LogisticStatus::no_crossing);
  EXPECT_FALSE(f.x50);
  EXPECT_NEAR(*f.slope, std::log(3.0), 1e-9);
  EXPECT_NEAR(*f.crossing(), -1.0, 1e-9);
}

TEST(Logistic, FlatRatesHaveNoSlope) {
  std::vector<LogisticPoint> p;
  add(p, 1, 1, 2);
  add(p, 2, 1, 2);
  LogisticFit f = fit_logistic(p);
  EXPECT_EQ(f.status, LogisticStatus::flat);
  EXPECT_FALSE(f.x50);
}

TEST(Logistic, SeparationIsNamedWithItsGap) {
  std::vector<LogisticPoint> complete;
  add(complete, 1, 0, 2);
  add(complete, 2, 0, 2);
  add(complete, 3, 2, 2);
  add(complete, 5, 2, 2);
  LogisticFit f = fit_logistic(complete);
  EXPECT_EQ(f.status, LogisticStatus::separated);
  EXPECT_FALSE(f.intercept);
  EXPECT_FALSE(f.x50);
  EXPECT_EQ(*f.separation_lo, 2);
  EXPECT_EQ(*f.separation_hi, 3);

  // Quasi-complete: both outcomes only at x = 2, none on the wrong side.
  std::vector<LogisticPoint> quasi;
  add(quasi, 1, 2, 2);
  add(quasi, 2, 1, 2);
  add(quasi, 3, 0, 2);
  f = fit_logistic(quasi);
  EXPECT_EQ(f.status, LogisticStatus::separated);
  EXPECT_EQ(*f.separation_lo, 2);
  EXPECT_EQ(*f.separation_hi, 2);
}

TEST(Logistic, DegenerateDataAreNamed) {
  EXPECT_EQ(fit_logistic({}).status, LogisticStatus::no_data);
  std::vector<LogisticPoint> one_outcome;
  add(one_outcome, 1, 2, 2);
  add(one_outcome, 4, 3, 3);
  EXPECT_EQ(fit_logistic(one_outcome).status, LogisticStatus::one_outcome);
  std::vector<LogisticPoint> one_value;
  add(one_value, 7, 1, 3);
  EXPECT_EQ(fit_logistic(one_value).status, LogisticStatus::one_knob_value);
}
