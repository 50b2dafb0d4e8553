// Decision boundary against competence boundary (README "Boundaries"): for
// each arm (variant, prompt format) and generator family, two logistic
// curves over the family's difficulty knob (ScoredEpisode::knob_value, the
// family's first knob):
//   call:       P(first action is a valid tool call | free), one point per
//               free episode (a malformed attempt is not a call, as in
//               tool_use_rate);
//   competence: P(correct | force_text), one point per force_text episode
//               with a correctness.
// Each curve's 50% point (logistic.h: only where the fit exists and crosses
// 50% inside the knob values seen; otherwise its status says why and x50 is
// null), and gap = x50(call) - x50(competence): positive, the model starts
// calling at a harder knob value than where it stops answering alone (lost
// accuracy in between); negative, it calls where it could still answer.
//
// Scale: a family whose knob values (over every arm) are positive and span
// at least 100x is fitted over log10(knob) ("scale": "log10"); the others
// over the knob itself. x50, its interval, the separation values and the gap
// are in knob units either way; intercept and slope are on the fitted axis.
//
// Intervals: 95% percentile bootstrap over the family's tasks (a task's
// episodes, every sample, in both modes, move together; tasks in id order),
// `bootstrap_samples` resamples drawn from data::derive_seed(seed,
// "<variant>/<format>:boundary:<family>"); the two curves and the gap come
// from the same resamples. A resample whose curve has no crossing
// (LogisticFit::crossing(): separated, one outcome, one knob value, slope 0)
// has no x50; it is counted (undefined_resamples), and when more than 2.5%
// of the resamples are undefined the interval is null, since dropping more
// than one tail's worth could move an endpoint anywhere. An interval is given
// only where the full sample's fit is ok.
#pragma once

#include <nlohmann/json.hpp>

#include "evaluation/metrics.h"
#include "evaluation/scored_episode.h"

namespace agentcoder::evaluation {

// The metrics JSON's "boundaries" array: one row per arm and family with a
// knob value, arms in the conditions' order, families by name.
nlohmann::ordered_json boundaries_json(const std::vector<ScoredEpisode>& episodes, const MetricsOptions& options);

}  // namespace agentcoder::evaluation
