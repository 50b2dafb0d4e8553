// Statistics for the metrics and comparisons: seeded bootstrap confidence
// intervals over tasks, McNemar's test for paired correctness, AUROC
// (Mann-Whitney) and equal-width reliability bins.
//
// Contract: everything is deterministic; the bootstrap draws from a
// std::mt19937_64 seeded with `seed`, so the same input, sample count and
// seed give the same interval on every platform. Callers derive a seed per
// named quantity with data::derive_seed (data/rng.h), the project's one
// seed derivation. Nothing here knows about episodes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace agentcoder::evaluation {

struct Interval {
  double lo = 0, hi = 0;
};

// Percentile bootstrap: draws `samples` resamples of `clusters` indices
// (0..clusters-1, with replacement; a cluster is a task), evaluates
// `statistic` on each and returns the (1-level)/2 and (1+level)/2 quantiles
// (linear interpolation between order statistics). Resamples where the
// statistic is nullopt are dropped. nullopt when clusters == 0, samples <= 0
// or every resample was dropped.
using ResampleStatistic = std::function<std::optional<double>(const std::vector<int>& picks)>;
std::optional<Interval> bootstrap_ci(int clusters, const ResampleStatistic& statistic, int samples, uint64_t seed,
                                     double level = 0.95);

// The q-quantile (0 <= q <= 1) of sorted values, linear interpolation
// between order statistics (R's type 7). values must be non-empty.
double quantile_sorted(const std::vector<double>& sorted, double q);

// Paired bootstrap of a mean difference: each pair has a value under A and
// under B and belongs to a cluster (a task: its pairs, e.g. repeated samples
// of it, move together). value = mean over pairs of (b - a); the interval
// resamples the clusters (bootstrap_ci, same seed and quantiles) and takes
// the mean over the resampled clusters' pairs. Clusters are 0..clusters-1;
// a cluster without pairs is allowed (its draws add nothing). value is
// nullopt without pairs; ci as bootstrap_ci.
struct PairedValue {
  int cluster = 0;
  double a = 0, b = 0;
};
struct PairedDifference {
  std::optional<double> value;
  std::optional<Interval> ci;
};
PairedDifference paired_mean_difference(const std::vector<PairedValue>& pairs, int clusters, int samples,
                                        uint64_t seed, double level = 0.95);

// McNemar's test on paired binary outcomes. b = pairs where only the first
// is correct, c = pairs where only the second is. With b + c < 25 the exact
// two-sided binomial test (statistic = min(b, c)); otherwise chi-square with
// continuity correction, (|b - c| - 1)^2 / (b + c), on one degree of freedom.
struct McNemarResult {
  int64_t b = 0, c = 0;
  std::string method;  // "exact_binomial" or "chi_square_cc"
  double statistic = 0;
  double p = 1;
};
McNemarResult mcnemar(int64_t b, int64_t c);

// Area under the ROC curve of `scores` for `positive`: the probability that a
// random positive scores above a random negative, ties counting one half.
// nullopt when either class is empty. Sizes must match; no score may be NaN.
std::optional<double> auroc(const std::vector<double>& scores, const std::vector<bool>& positive);

// Equal-width bins over [0, 1]; bin i holds lo <= p < hi, the last one also
// p == 1 (values outside [0, 1] are clamped). Every bin is returned, empty or
// not; mean_p and rate are nullopt in an empty bin.
struct ReliabilityBin {
  double lo = 0, hi = 0;
  int64_t n = 0;
  std::optional<double> mean_p;
  std::optional<double> rate;  // share of positive outcomes
};
std::vector<ReliabilityBin> reliability_bins(const std::vector<double>& p, const std::vector<bool>& outcome,
                                             int bins = 10);

}  // namespace agentcoder::evaluation
