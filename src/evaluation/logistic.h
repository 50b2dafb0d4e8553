// One-predictor logistic regression, P(y = 1 | x) = 1 / (1 + exp(-(b0 + b1 x))),
// fitted by maximum likelihood, and the x where the curve crosses 50%.
//
// Why here and not in a Python library: `metrics` is a C++ command that must
// give the same JSON on a machine without the project's Python environment
// (CI, the tests without the `python` label), and its bootstrap refits the
// curve a thousand times per family and arm. With one predictor the maximum
// likelihood problem is a 2 x 2 Newton iteration (iteratively reweighted
// least squares) on a concave log-likelihood; whether its maximum exists is
// decided exactly beforehand (separation, below), so no general optimiser
// and no convergence heuristics are involved.
//
// Contract: deterministic; never returns a number where the maximum
// likelihood estimate does not exist. The status says why:
// - no_data: no observations;
// - one_outcome: every y is the same (the curve never crosses 50% in the data);
// - one_knob_value: every x is the same (no slope to fit);
// - separated: a threshold on x splits the outcomes, ties at the threshold
//   allowed (complete or quasi-complete separation): the estimate runs to
//   infinity, so there is no finite curve, only "the switch is somewhere
//   between the two sides" (separation_lo, separation_hi);
// - flat: fitted, slope 0: the rate does not move with x;
// - no_crossing: fitted, but the 50% point lies outside [min x, max x]: the
//   data never reach the other side, and x50 would be an extrapolation;
// - ok: fitted, x50 = -b0 / b1 inside [min x, max x].
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace agentcoder::evaluation {

struct LogisticPoint {
  double x = 0;
  bool y = false;
};

enum class LogisticStatus { ok, no_data, one_outcome, one_knob_value, separated, flat, no_crossing };
const char* to_string(LogisticStatus status);

struct LogisticFit {
  LogisticStatus status = LogisticStatus::no_data;
  // Set for ok, flat and no_crossing: the maximum likelihood coefficients.
  std::optional<double> intercept, slope;
  // Set for ok only.
  std::optional<double> x50;
  // Set for separated: the largest x on the lower side and the smallest x
  // on the upper side of the split (equal for a quasi-complete split).
  std::optional<double> separation_lo, separation_hi;
  double min_x = 0, max_x = 0;  // of the data (0 without data)

  // -b0 / b1 whenever the coefficients exist and the slope is not 0 (ok and
  // no_crossing): what the bootstrap resamples, which may cross outside the
  // data where the full sample does not.
  std::optional<double> crossing() const;
  // The fitted P(y = 1 | x); nullopt without coefficients.
  std::optional<double> probability(double x) const;
};

LogisticFit fit_logistic(const std::vector<LogisticPoint>& points);

}  // namespace agentcoder::evaluation
