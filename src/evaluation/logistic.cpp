#include "evaluation/logistic.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace agentcoder::evaluation {
namespace {

// Observations grouped by x (knob values are few): at z, n of them, ones
// with y = 1. The binomial likelihood of the groups is the Bernoulli one of
// the points, so the fit is the same, in fewer terms.
struct Group {
  double z = 0, n = 0, ones = 0;
};

// The log-likelihood at (b0, b1).
double log_likelihood(const std::vector<Group>& groups, double b0, double b1) {
  double ll = 0;
  for (const Group& g : groups) {
    double eta = b0 + b1 * g.z;
    // log(1 + e^eta) without overflow.
    double softplus = eta > 0 ? eta + std::log1p(std::exp(-eta)) : std::log1p(std::exp(eta));
    ll += g.ones * eta - g.n * softplus;
  }
  return ll;
}

}  // namespace

const char* to_string(LogisticStatus status) {
  switch (status) {
    case LogisticStatus::ok: return "ok";
    case LogisticStatus::no_data: return "no_data";
    case LogisticStatus::one_outcome: return "one_outcome";
    case LogisticStatus::one_knob_value: return "one_knob_value";
    case LogisticStatus::separated: return "separated";
    case LogisticStatus::flat: return "flat";
    case LogisticStatus::no_crossing: return "no_crossing";
  }
  return "?";
}

std::optional<double> LogisticFit::crossing() const {
  if (!intercept || !slope || *slope == 0) return std::nullopt;
  return -*intercept / *slope;
}

std::optional<double> LogisticFit::probability(double x) const {
  if (!intercept || !slope) return std::nullopt;
  return 1.0 / (1.0 + std::exp(-(*intercept + *slope * x)));
}

LogisticFit fit_logistic(const std::vector<LogisticPoint>& points) {
  LogisticFit fit;
  if (points.empty()) return fit;
  const double inf = std::numeric_limits<double>::infinity();
  double min0 = inf, max0 = -inf, min1 = inf, max1 = -inf;  // x range of y = 0 and of y = 1
  for (const LogisticPoint& p : points) {
    if (p.y) {
      min1 = std::min(min1, p.x);
      max1 = std::max(max1, p.x);
    } else {
      min0 = std::min(min0, p.x);
      max0 = std::max(max0, p.x);
    }
  }
  fit.min_x = std::min(min0, min1);
  fit.max_x = std::max(max0, max1);
  if (fit.min_x == fit.max_x) {
    fit.status = min0 == inf || min1 == inf ? LogisticStatus::one_outcome : LogisticStatus::one_knob_value;
    return fit;
  }
  if (min0 == inf || min1 == inf) {
    fit.status = LogisticStatus::one_outcome;
    return fit;
  }
  // A finite maximum exists iff neither outcome lies wholly on one side of
  // the other (ties at the boundary included): Albert & Anderson (1984).
  if (max0 <= min1 || max1 <= min0) {
    fit.status = LogisticStatus::separated;
    fit.separation_lo = max0 <= min1 ? max0 : max1;
    fit.separation_hi = max0 <= min1 ? min1 : min0;
    return fit;
  }

  // Newton on standardised x (z = (x - centre) / scale) for conditioning,
  // halving the step until the log-likelihood does not fall.
  const double centre = (fit.min_x + fit.max_x) / 2, scale = (fit.max_x - fit.min_x) / 2;
  std::map<double, std::pair<double, double>> by_x;  // x -> (n, ones)
  for (const LogisticPoint& p : points) {
    by_x[p.x].first += 1;
    by_x[p.x].second += p.y ? 1 : 0;
  }
  std::vector<Group> groups;
  for (const auto& [x, c] : by_x) groups.push_back({(x - centre) / scale, c.first, c.second});
  double b0 = 0, b1 = 0, ll = log_likelihood(groups, b0, b1);
  for (int iteration = 0; iteration < 200; ++iteration) {
    double g0 = 0, g1 = 0, h00 = 0, h01 = 0, h11 = 0;  // gradient and minus the Hessian
    for (const Group& g : groups) {
      double p = 1.0 / (1.0 + std::exp(-(b0 + b1 * g.z)));
      double w = g.n * p * (1 - p), r = g.ones - g.n * p;
      g0 += r;
      g1 += r * g.z;
      h00 += w;
      h01 += w * g.z;
      h11 += w * g.z * g.z;
    }
    double det = h00 * h11 - h01 * h01;
    if (!(det > 0)) break;
    double d0 = (h11 * g0 - h01 * g1) / det, d1 = (h00 * g1 - h01 * g0) / det;
    double step = 1, next = ll;
    for (int halving = 0; halving < 30; ++halving, step /= 2) {
      next = log_likelihood(groups, b0 + step * d0, b1 + step * d1);
      if (next >= ll) break;
    }
    b0 += step * d0;
    b1 += step * d1;
    bool converged = std::abs(step * d0) < 1e-12 && std::abs(step * d1) < 1e-12;
    ll = next;
    if (converged) break;
  }
  // Back to x: b0 + b1 (x - centre) / scale.
  fit.slope = b1 / scale;
  fit.intercept = b0 - b1 * centre / scale;
  if (std::abs(b1) < 1e-9) {
    fit.status = LogisticStatus::flat;
    return fit;
  }
  double x50 = *fit.crossing();
  if (x50 < fit.min_x || x50 > fit.max_x) {
    fit.status = LogisticStatus::no_crossing;
    return fit;
  }
  fit.status = LogisticStatus::ok;
  fit.x50 = x50;
  return fit;
}

}  // namespace agentcoder::evaluation
