#include "evaluation/stats.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

namespace agentcoder::evaluation {

double quantile_sorted(const std::vector<double>& sorted, double q) {
  double pos = q * static_cast<double>(sorted.size() - 1);
  size_t below = static_cast<size_t>(std::floor(pos));
  size_t above = std::min(below + 1, sorted.size() - 1);
  double frac = pos - static_cast<double>(below);
  return sorted[below] + frac * (sorted[above] - sorted[below]);
}

std::optional<Interval> bootstrap_ci(int clusters, const ResampleStatistic& statistic, int samples, uint64_t seed,
                                     double level) {
  if (clusters <= 0 || samples <= 0) return std::nullopt;
  // Indices come from the raw engine (modulo; the bias is below 2^-40 for
  // any realistic task count) rather than uniform_int_distribution, whose
  // algorithm differs between standard libraries.
  std::mt19937_64 rng(seed);
  std::vector<int> picks(static_cast<size_t>(clusters));
  std::vector<double> values;
  values.reserve(static_cast<size_t>(samples));
  for (int s = 0; s < samples; ++s) {
    for (int& p : picks) p = static_cast<int>(rng() % static_cast<uint64_t>(clusters));
    if (std::optional<double> v = statistic(picks)) values.push_back(*v);
  }
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  return Interval{quantile_sorted(values, (1 - level) / 2), quantile_sorted(values, (1 + level) / 2)};
}

PairedDifference paired_mean_difference(const std::vector<PairedValue>& pairs, int clusters, int samples,
                                        uint64_t seed, double level) {
  PairedDifference out;
  if (pairs.empty()) return out;
  // Per cluster: the sum of differences and the number of pairs, so a
  // resample costs one pass over the clusters.
  std::vector<double> sum(static_cast<size_t>(std::max(clusters, 0)), 0.0);
  std::vector<int64_t> count(sum.size(), 0);
  double total = 0;
  for (const PairedValue& p : pairs) {
    if (p.cluster < 0 || p.cluster >= clusters) throw std::invalid_argument("paired_mean_difference: bad cluster");
    sum[static_cast<size_t>(p.cluster)] += p.b - p.a;
    ++count[static_cast<size_t>(p.cluster)];
    total += p.b - p.a;
  }
  out.value = total / static_cast<double>(pairs.size());
  out.ci = bootstrap_ci(
      clusters,
      [&](const std::vector<int>& picks) -> std::optional<double> {
        double s = 0;
        int64_t n = 0;
        for (int c : picks) {
          s += sum[static_cast<size_t>(c)];
          n += count[static_cast<size_t>(c)];
        }
        if (n == 0) return std::nullopt;
        return s / static_cast<double>(n);
      },
      samples, seed, level);
  return out;
}

namespace {

// P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so that large n
// neither overflows nor underflows.
double binomial_half_cdf(int64_t k, int64_t n) {
  double total = 0;
  for (int64_t i = 0; i <= k; ++i) {
    double log_term = std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(i) + 1) -
                      std::lgamma(static_cast<double>(n - i) + 1) - static_cast<double>(n) * std::log(2.0);
    total += std::exp(log_term);
  }
  return total;
}

}  // namespace

McNemarResult mcnemar(int64_t b, int64_t c) {
  if (b < 0 || c < 0) throw std::invalid_argument("mcnemar: negative count");
  McNemarResult r;
  r.b = b;
  r.c = c;
  int64_t n = b + c;
  if (n < 25) {
    r.method = "exact_binomial";
    r.statistic = static_cast<double>(std::min(b, c));
    r.p = n == 0 ? 1.0 : std::min(1.0, 2 * binomial_half_cdf(std::min(b, c), n));
    return r;
  }
  r.method = "chi_square_cc";
  // Continuity correction, clamped: equal counts are no evidence at all
  // (statistic 0, p = 1), not a statistic of 1/n.
  double d = std::max(0.0, std::abs(static_cast<double>(b - c)) - 1);
  r.statistic = d * d / static_cast<double>(n);
  // Survival function of chi-square with one degree of freedom.
  r.p = std::erfc(std::sqrt(r.statistic / 2));
  return r;
}

std::optional<double> auroc(const std::vector<double>& scores, const std::vector<bool>& positive) {
  if (scores.size() != positive.size()) throw std::invalid_argument("auroc: sizes differ");
  // Rank-sum form of Mann-Whitney: tied scores share their average rank,
  // which is what counting a tied pair as one half amounts to.
  std::vector<size_t> order(scores.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  double positive_rank_sum = 0;
  int64_t n_pos = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) ++j;
    double average_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;  // ranks i+1..j
    for (size_t k = i; k < j; ++k)
      if (positive[order[k]]) {
        positive_rank_sum += average_rank;
        ++n_pos;
      }
    i = j;
  }
  int64_t n_neg = static_cast<int64_t>(scores.size()) - n_pos;
  if (n_pos == 0 || n_neg == 0) return std::nullopt;
  double u = positive_rank_sum - static_cast<double>(n_pos) * static_cast<double>(n_pos + 1) / 2;
  return u / (static_cast<double>(n_pos) * static_cast<double>(n_neg));
}

std::vector<ReliabilityBin> reliability_bins(const std::vector<double>& p, const std::vector<bool>& outcome,
                                             int bins) {
  if (p.size() != outcome.size()) throw std::invalid_argument("reliability_bins: sizes differ");
  if (bins <= 0) throw std::invalid_argument("reliability_bins: bins must be positive");
  std::vector<ReliabilityBin> out(static_cast<size_t>(bins));
  std::vector<double> p_sum(out.size(), 0), hits(out.size(), 0);
  for (int i = 0; i < bins; ++i) {
    out[i].lo = static_cast<double>(i) / bins;
    out[i].hi = static_cast<double>(i + 1) / bins;
  }
  for (size_t k = 0; k < p.size(); ++k) {
    double v = std::clamp(p[k], 0.0, 1.0);
    int i = std::min(bins - 1, static_cast<int>(std::floor(v * bins)));
    ++out[i].n;
    p_sum[i] += v;
    hits[i] += outcome[k] ? 1 : 0;
  }
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i].n > 0) {
      out[i].mean_p = p_sum[i] / static_cast<double>(out[i].n);
      out[i].rate = hits[i] / static_cast<double>(out[i].n);
    }
  return out;
}

}  // namespace agentcoder::evaluation
