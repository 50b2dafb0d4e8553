#include "evaluation/samples_metrics.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "data/rng.h"
#include "evaluation/necessity.h"
#include "evaluation/stats.h"

namespace agentcoder::evaluation {
namespace {

using ojson = nlohmann::ordered_json;

ojson nullable(const std::optional<double>& v) { return v ? ojson(*v) : ojson(nullptr); }

bool has_correctness(const ScoredEpisode& e) { return e.scored && e.correct.has_value(); }

std::map<std::string, EpisodeRefs> by_task(const EpisodeRefs& episodes) {
  std::map<std::string, EpisodeRefs> tasks;
  for (const ScoredEpisode* e : episodes) tasks[e->task_id].push_back(e);
  return tasks;
}

// The mean over tasks of per-task values, with its bootstrap interval over
// the tasks: {value, lo, hi, tasks}.
ojson mean_over_tasks(const std::map<std::string, double>& per_task, int bootstrap_samples, uint64_t seed,
                      const std::string& label) {
  std::vector<double> values;
  for (const auto& [task, v] : per_task) values.push_back(v);
  std::optional<double> value;
  std::optional<Interval> ci;
  if (!values.empty()) {
    double sum = 0;
    for (double v : values) sum += v;
    value = sum / static_cast<double>(values.size());
    ci = bootstrap_ci(
        static_cast<int>(values.size()),
        [&](const std::vector<int>& picks) -> std::optional<double> {
          double s = 0;
          for (int i : picks) s += values[i];
          return s / static_cast<double>(picks.size());
        },
        bootstrap_samples, data::derive_seed(seed, label));
  }
  return {{"value", nullable(value)},
          {"lo", ci ? ojson(ci->lo) : ojson(nullptr)},
          {"hi", ci ? ojson(ci->hi) : ojson(nullptr)},
          {"tasks", values.size()}};
}

bool has_first_action(const ScoredEpisode& e) {
  return e.first_decision == ReplyKind::tool_call || e.first_decision == ReplyKind::text ||
         e.first_decision == ReplyKind::malformed;
}

}  // namespace

double pass_at_k(int n, int c, int k) {
  if (n - c < k) return 1.0;
  // 1 - C(n-c, k) / C(n, k) = 1 - prod_{i = n-c+1}^{n} (1 - k / i), without large binomials.
  double none_correct = 1.0;
  for (int i = n - c + 1; i <= n; ++i) none_correct *= 1.0 - static_cast<double>(k) / static_cast<double>(i);
  return 1.0 - none_correct;
}

std::map<std::string, double> per_task_values(const EpisodeRefs& episodes, SampleQuantity quantity, int k) {
  std::map<std::string, double> out;
  for (const auto& [task, samples] : by_task(episodes)) {
    int judged = 0, correct = 0, calls = 0, acted = 0;
    std::map<ReplyKind, int> actions;
    for (const ScoredEpisode* e : samples) {
      if (has_correctness(*e)) {
        ++judged;
        correct += *e->correct ? 1 : 0;
      }
      calls += e->first_decision == ReplyKind::tool_call;
      if (has_first_action(*e)) {
        ++acted;
        ++actions[e->first_decision];
      }
    }
    switch (quantity) {
      case SampleQuantity::accuracy:
        if (judged > 0) out[task] = static_cast<double>(correct) / judged;
        break;
      case SampleQuantity::tool_use:
        out[task] = static_cast<double>(calls) / static_cast<double>(samples.size());
        break;
      case SampleQuantity::pass_at_k:
        if (k >= 1 && judged >= k) out[task] = pass_at_k(judged, correct, k);
        break;
      case SampleQuantity::consistency:
        if (acted >= 2) {
          double agreeing = 0;
          for (const auto& [kind, m] : actions) agreeing += static_cast<double>(m) * (m - 1);
          out[task] = agreeing / (static_cast<double>(acted) * (acted - 1));
        }
        break;
      case SampleQuantity::unanimity:
        if (acted >= 2) out[task] = actions.size() == 1 ? 1.0 : 0.0;
        break;
    }
  }
  return out;
}

ojson samples_json(const Condition& c, int bootstrap_samples, uint64_t seed) {
  int most = 0, fewest = 0;
  bool first = true;
  for (const auto& [task, samples] : by_task(c.episodes)) {
    const int n = static_cast<int>(samples.size());
    most = std::max(most, n);
    fewest = first ? n : std::min(fewest, n);
    first = false;
  }
  if (most < 2) return nullptr;
  auto estimate = [&](SampleQuantity q, const std::string& metric, int k = 1) {
    return mean_over_tasks(per_task_values(c.episodes, q, k), bootstrap_samples, seed,
                           ci_label(c, "samples." + metric));
  };
  ojson pass = ojson::array();
  for (int k = 1; k <= most; ++k) {
    ojson row = {{"k", k}};
    const ojson e = estimate(SampleQuantity::pass_at_k, "pass_at_" + std::to_string(k), k);
    for (const auto& [key, value] : e.items()) row[key] = value;
    pass.push_back(row);
  }
  return {{"per_task", {{"min", fewest}, {"max", most}}},
          {"accuracy", estimate(SampleQuantity::accuracy, "accuracy")},
          {"tool_use_rate", estimate(SampleQuantity::tool_use, "tool_use_rate")},
          {"pass_at_k", pass},
          {"tool_use_consistency", estimate(SampleQuantity::consistency, "tool_use_consistency")},
          {"unanimous_share", estimate(SampleQuantity::unanimity, "unanimous_share")}};
}

ojson sample_flips_json(const std::vector<Condition>& conditions) {
  // (variant, prompt_format) -> task -> sample -> (force_tool correct, force_text correct)
  using Pair = std::pair<std::optional<bool>, std::optional<bool>>;
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::map<int, Pair>>> arms;
  for (const Condition& c : conditions) {
    if (c.mode != Mode::force_tool && c.mode != Mode::force_text) continue;
    auto& tasks = arms[{c.variant, c.prompt_format}];
    for (const ScoredEpisode* e : c.episodes) {
      if (!has_correctness(*e)) continue;
      Pair& p = tasks[e->task_id][e->sample];
      (c.mode == Mode::force_tool ? p.first : p.second) = *e->correct;
    }
  }
  ojson rows = ojson::array();
  for (const auto& [arm, tasks] : arms) {
    int64_t counted = 0, flips = 0, tool_text = 0;
    for (const auto& [task, samples] : tasks) {
      std::set<std::string> choices;
      int pairs = 0;
      for (const auto& [sample, p] : samples) {
        if (!p.first || !p.second) continue;
        ++pairs;
        choices.insert(to_string(best_choice(*p.first ? 1.0 : 0.0, *p.second ? 1.0 : 0.0)));
      }
      if (pairs < 2) continue;
      ++counted;
      flips += choices.size() > 1;
      tool_text += choices.count("tool") && choices.count("text");
    }
    if (counted == 0) continue;
    const double n = static_cast<double>(counted);
    rows.push_back({{"variant", arm.first},
                    {"prompt_format", arm.second},
                    {"tasks", counted},
                    {"flip_share", static_cast<double>(flips) / n},
                    {"tool_text_flip_share", static_cast<double>(tool_text) / n}});
  }
  return rows;
}

}  // namespace agentcoder::evaluation
