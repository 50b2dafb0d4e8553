#include "evaluation/boundary.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "data/rng.h"
#include "evaluation/logistic.h"
#include "evaluation/stats.h"

namespace agentcoder::evaluation {
namespace {

using ojson = nlohmann::ordered_json;

ojson nullable(const std::optional<double>& v) { return v ? ojson(*v) : ojson(nullptr); }

// One family of one arm: each task's points under the two curves.
struct TaskPoints {
  std::vector<LogisticPoint> call, competence;
};

// The axis the curves are fitted on (README "Boundaries"): a knob whose
// values are positive and span at least two orders of magnitude (n from 15
// to 442,872) is fitted over log10(knob), where a logistic curve can bend
// across the range instead of rising in its first percent. Every value
// reported stays in knob units.
enum class Scale { linear, log10 };
constexpr double kLogSpan = 100;

const char* to_string(Scale s) { return s == Scale::log10 ? "log10" : "linear"; }

double to_axis(double knob, Scale s) { return s == Scale::log10 ? std::log10(knob) : knob; }

// Knob units again; nullopt where a resample's crossing, far outside the
// data, has no finite knob value.
std::optional<double> from_axis(std::optional<double> a, Scale s) {
  if (!a || s == Scale::linear) return a;
  double knob = std::pow(10.0, *a);
  return std::isfinite(knob) ? std::optional<double>(knob) : std::nullopt;
}

std::vector<LogisticPoint> on_axis(std::vector<LogisticPoint> points, Scale s) {
  for (LogisticPoint& p : points) p.x = to_axis(p.x, s);
  return points;
}

struct Resampled {
  std::vector<double> values;
  int undefined = 0;
};

ojson interval_json(const Resampled& r, int samples, bool full_sample_defined) {
  // More undefined resamples than one tail (2.5%) leaves no honest interval.
  bool usable = full_sample_defined && samples > 0 && !r.values.empty() &&
                static_cast<double>(r.undefined) <= 0.025 * static_cast<double>(samples);
  std::vector<double> sorted = r.values;
  std::sort(sorted.begin(), sorted.end());
  return {{"lo", usable ? ojson(quantile_sorted(sorted, 0.025)) : ojson(nullptr)},
          {"hi", usable ? ojson(quantile_sorted(sorted, 0.975)) : ojson(nullptr)},
          {"undefined_resamples", r.undefined}};
}

// `points` in knob units; `fit` on the scale's axis.
ojson curve_json(const std::vector<LogisticPoint>& points, const LogisticFit& fit, Scale scale, const Resampled& r,
                 int samples) {
  std::map<double, std::pair<int64_t, int64_t>> by_knob;  // knob -> (n, y = 1)
  for (const LogisticPoint& p : points) {
    by_knob[p.x].first += 1;
    by_knob[p.x].second += p.y;
  }
  ojson observed = ojson::array();
  for (const auto& [x, c] : by_knob)
    observed.push_back({{"knob", x}, {"n", c.first}, {"rate", static_cast<double>(c.second) / static_cast<double>(c.first)}});
  ojson j = {{"n", points.size()}, {"status", to_string(fit.status)}, {"x50", nullable(from_axis(fit.x50, scale))}};
  ojson ci = interval_json(r, samples, fit.status == LogisticStatus::ok);
  j["lo"] = ci["lo"];
  j["hi"] = ci["hi"];
  j["undefined_resamples"] = ci["undefined_resamples"];
  j["intercept"] = nullable(fit.intercept);
  j["slope"] = nullable(fit.slope);
  j["separation"] = fit.separation_lo ? ojson{{"lo", *from_axis(fit.separation_lo, scale)},
                                              {"hi", *from_axis(fit.separation_hi, scale)}}
                                       : ojson(nullptr);
  j["points"] = observed;
  return j;
}

ojson family_json(const std::string& variant, const std::string& format, const std::string& family,
                  const std::string& knob, Scale scale, const std::map<std::string, TaskPoints>& by_task,
                  const MetricsOptions& options) {
  std::vector<TaskPoints> tasks;  // task id order, on the scale's axis
  std::vector<LogisticPoint> call, competence;  // knob units
  for (const auto& [id, t] : by_task) {
    tasks.push_back({on_axis(t.call, scale), on_axis(t.competence, scale)});
    call.insert(call.end(), t.call.begin(), t.call.end());
    competence.insert(competence.end(), t.competence.begin(), t.competence.end());
  }
  LogisticFit call_fit = fit_logistic(on_axis(call, scale)), competence_fit = fit_logistic(on_axis(competence, scale));

  Resampled call_r, competence_r, gap_r;
  bootstrap_ci(
      static_cast<int>(tasks.size()),
      [&](const std::vector<int>& picks) -> std::optional<double> {
        std::vector<LogisticPoint> c, k;
        for (int i : picks) {
          c.insert(c.end(), tasks[i].call.begin(), tasks[i].call.end());
          k.insert(k.end(), tasks[i].competence.begin(), tasks[i].competence.end());
        }
        std::optional<double> x_call = from_axis(fit_logistic(c).crossing(), scale),
                              x_comp = from_axis(fit_logistic(k).crossing(), scale);
        if (x_call) call_r.values.push_back(*x_call);
        else ++call_r.undefined;
        if (x_comp) competence_r.values.push_back(*x_comp);
        else ++competence_r.undefined;
        if (x_call && x_comp) gap_r.values.push_back(*x_call - *x_comp);
        else ++gap_r.undefined;
        return std::nullopt;  // the three statistics are collected above
      },
      options.bootstrap_samples, data::derive_seed(options.seed, variant + "/" + format + ":boundary:" + family));

  std::optional<double> call_x50 = from_axis(call_fit.x50, scale), competence_x50 = from_axis(competence_fit.x50, scale);
  std::optional<double> gap;
  if (call_x50 && competence_x50) gap = *call_x50 - *competence_x50;
  ojson gap_ci = interval_json(gap_r, options.bootstrap_samples, gap.has_value());
  return {{"variant", variant},
          {"prompt_format", format},
          {"family", family},
          {"knob", knob},
          {"scale", to_string(scale)},
          {"tasks", tasks.size()},
          {"call", curve_json(call, call_fit, scale, call_r, options.bootstrap_samples)},
          {"competence", curve_json(competence, competence_fit, scale, competence_r, options.bootstrap_samples)},
          {"gap",
           {{"value", nullable(gap)},
            {"lo", gap_ci["lo"]},
            {"hi", gap_ci["hi"]},
            {"undefined_resamples", gap_ci["undefined_resamples"]}}}};
}

}  // namespace

ojson boundaries_json(const std::vector<ScoredEpisode>& episodes, const MetricsOptions& options) {
  // (variant, format) in the conditions' order -> family -> task -> points.
  std::vector<std::pair<std::string, std::string>> arms;
  for (const Condition& c : group_conditions(episodes))
    if (arms.empty() || arms.back() != std::make_pair(c.variant, c.prompt_format))
      arms.emplace_back(c.variant, c.prompt_format);
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::map<std::string, TaskPoints>>> points;
  std::map<std::string, std::string> knob_of;  // family -> knob name
  std::map<std::string, std::pair<double, double>> range_of;  // family -> knob's (min, max) over every arm
  for (const ScoredEpisode& e : episodes) {
    if (e.family.empty() || !e.knob_value) continue;
    TaskPoints& t = points[{e.variant, e.prompt_format}][e.family][e.task_id];
    knob_of.emplace(e.family, e.knob);
    auto& [lo, hi] = range_of.try_emplace(e.family, *e.knob_value, *e.knob_value).first->second;
    lo = std::min(lo, *e.knob_value);
    hi = std::max(hi, *e.knob_value);
    if (e.mode == Mode::free) t.call.push_back({*e.knob_value, e.first_decision == ReplyKind::tool_call});
    if (e.mode == Mode::force_text && e.scored && e.correct) t.competence.push_back({*e.knob_value, *e.correct});
  }
  ojson out = ojson::array();
  for (const auto& arm : arms) {
    auto it = points.find(arm);
    if (it == points.end()) continue;
    for (const auto& [family, by_task] : it->second) {
      auto [lo, hi] = range_of[family];  // one scale for a family in every arm, so arms compare
      Scale scale = lo > 0 && hi >= kLogSpan * lo ? Scale::log10 : Scale::linear;
      out.push_back(family_json(arm.first, arm.second, family, knob_of[family], scale, by_task, options));
    }
  }
  return out;
}

}  // namespace agentcoder::evaluation
