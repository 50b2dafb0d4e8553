#include "evaluation/metrics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "data/rng.h"
#include "evaluation/boundary.h"
#include "evaluation/hallucination.h"
#include "evaluation/necessity.h"
#include "evaluation/samples_metrics.h"
#include "evaluation/stats.h"

namespace agentcoder::evaluation {
namespace {

using ojson = nlohmann::ordered_json;

// The tools of the study; confusion rows and per-tool rows always show them
// so that tables line up across conditions.
const std::vector<std::string> kTools = {"python", "math", "docs"};

ojson nullable(const std::optional<double>& v) { return v ? ojson(*v) : ojson(nullptr); }

// A decision probe the metrics read: where the model decides, and finite.
bool has_probe(const ScoredEpisode& e) { return model_decides(e.mode) && e.p_tool && std::isfinite(*e.p_tool); }

std::optional<double> ratio(double num, double den) {
  if (den == 0) return std::nullopt;
  return num / den;
}

bool labelled(const ScoredEpisode& e) { return !e.optimal_tool.empty(); }
bool label_says_tool(const ScoredEpisode& e) { return e.optimal_tool != "none"; }
bool acceptable_tool(const ScoredEpisode& e, const std::string& tool) {
  return tool == e.optimal_tool ||
         std::find(e.alternative_tools.begin(), e.alternative_tools.end(), tool) != e.alternative_tools.end();
}
bool has_correctness(const ScoredEpisode& e) { return e.scored && e.correct.has_value(); }
bool is_correct(const ScoredEpisode& e) { return has_correctness(e) && *e.correct; }

ojson accuracy_json(const Condition& c, const MetricsOptions& options) {
  int64_t n = std::count_if(c.episodes.begin(), c.episodes.end(),
                            [](const ScoredEpisode* e) { return has_correctness(*e); });
  Estimate a = estimate_with_ci(c.episodes, accuracy_of, options.bootstrap_samples, options.seed,
                                ci_label(c, "accuracy"));
  return {{"value", nullable(a.value)},
          {"lo", a.ci ? ojson(a.ci->lo) : ojson(nullptr)},
          {"hi", a.ci ? ojson(a.ci->hi) : ojson(nullptr)},
          {"n", n}};
}

ojson process_json(const EpisodeRefs& episodes) {
  int64_t n = std::count_if(episodes.begin(), episodes.end(),
                            [](const ScoredEpisode* e) { return e->process_followed.has_value(); });
  return {{"value", nullable(process_rate_of(episodes))}, {"n", n}};
}

// Sub-groups by a key, sorted by it so tables line up across conditions.
template <typename Key>
std::map<Key, EpisodeRefs> split(const EpisodeRefs& episodes, Key (*key)(const ScoredEpisode&)) {
  std::map<Key, EpisodeRefs> groups;
  for (const ScoredEpisode* e : episodes) groups[key(*e)].push_back(e);
  return groups;
}

std::pair<std::string, std::string> cell_key(const ScoredEpisode& e) { return {e.category, e.difficulty}; }
std::string category_key(const ScoredEpisode& e) { return e.category; }
std::string difficulty_key(const ScoredEpisode& e) { return e.difficulty; }
std::string source_key(const ScoredEpisode& e) { return e.source; }

ojson by_cell_json(const EpisodeRefs& episodes) {
  ojson cells = ojson::array();
  for (const auto& [key, group] : split(episodes, &cell_key))
    cells.push_back({{"category", key.first},
                     {"difficulty", key.second},
                     {"n", group.size()},
                     {"accuracy", nullable(accuracy_of(group))}});
  return cells;
}

ojson breakdown_json(const EpisodeRefs& episodes, const char* field, std::string (*key)(const ScoredEpisode&)) {
  ojson rows = ojson::array();
  for (const auto& [value, group] : split(episodes, key))
    rows.push_back({{field, value},
                    {"n", group.size()},
                    {"judged", std::count_if(group.begin(), group.end(),
                                             [](const ScoredEpisode* e) { return has_correctness(*e); })},
                    {"accuracy", nullable(accuracy_of(group))},
                    {"tool_use_rate", nullable(tool_use_rate_of(group))},
                    {"f1", nullable(decision_counts(group, /*malformed_as_call=*/true).f1())}});
  return rows;
}

ojson first_action_json(const EpisodeRefs& episodes) {
  int64_t call = 0, text = 0, malformed = 0;
  for (const ScoredEpisode* e : episodes) {
    call += e->first_decision == ReplyKind::tool_call;
    text += e->first_decision == ReplyKind::text;
    malformed += e->first_decision == ReplyKind::malformed;
  }
  return {{to_string(ReplyKind::tool_call), call}, {to_string(ReplyKind::text), text},
          {to_string(ReplyKind::malformed), malformed}};
}

ojson decision_json(const DecisionCounts& d) {
  return {{"precision", nullable(d.precision())},
          {"recall", nullable(d.recall())},
          {"f1", nullable(d.f1())},
          {"accuracy", nullable(d.accuracy())}};
}

// Per tool: precision over episodes whose first call used the tool (was it
// acceptable for the task?), recall over episodes labelled with it (was the
// first call acceptable?).
ojson per_tool_json(const EpisodeRefs& episodes) {
  std::vector<std::string> tools = kTools;
  for (const ScoredEpisode* e : episodes)
    if (labelled(*e) && label_says_tool(*e) && std::find(tools.begin(), tools.end(), e->optimal_tool) == tools.end())
      tools.push_back(e->optimal_tool);
  std::sort(tools.begin() + static_cast<long>(kTools.size()), tools.end());

  ojson rows = ojson::array();
  for (const std::string& tool : tools) {
    int64_t predicted = 0, predicted_ok = 0, support = 0, support_ok = 0;
    for (const ScoredEpisode* e : episodes) {
      bool called = e->first_decision == ReplyKind::tool_call;
      if (called && e->first_tool == tool) {
        ++predicted;
        predicted_ok += acceptable_tool(*e, tool);
      }
      if (e->optimal_tool == tool) {
        ++support;
        support_ok += called && acceptable_tool(*e, e->first_tool);
      }
    }
    std::optional<double> p = ratio(predicted_ok, predicted), r = ratio(support_ok, support), f1;
    if (p && r) f1 = (*p + *r) == 0 ? 0.0 : 2 * *p * *r / (*p + *r);
    rows.push_back({{"tool", tool},
                    {"precision", nullable(p)},
                    {"recall", nullable(r)},
                    {"f1", nullable(f1)},
                    {"support", support}});
  }
  return rows;
}

ojson confusion_json(const EpisodeRefs& episodes) {
  std::vector<std::string> rows = kTools;
  rows.push_back("none");
  std::vector<std::string> cols;
  for (const std::string& t : kTools) cols.push_back("call:" + t);
  cols.insert(cols.end(), {"call:other", to_string(ReplyKind::text), to_string(ReplyKind::malformed)});
  std::vector<std::vector<int64_t>> counts(rows.size(), std::vector<int64_t>(cols.size(), 0));
  for (const ScoredEpisode* e : episodes) {
    auto row = std::find(rows.begin(), rows.end(), e->optimal_tool);
    if (row == rows.end()) continue;
    std::string col_name = to_string(e->first_decision);
    if (e->first_decision == ReplyKind::tool_call)
      col_name = std::find(kTools.begin(), kTools.end(), e->first_tool) != kTools.end() ? "call:" + e->first_tool
                                                                                          : "call:other";
    auto col = std::find(cols.begin(), cols.end(), col_name);
    ++counts[row - rows.begin()][col - cols.begin()];
  }
  return {{"rows", rows}, {"cols", cols}, {"counts", counts}};
}

ojson efficiency_json(const EpisodeRefs& episodes) {
  double n = static_cast<double>(episodes.size());
  int64_t calls = 0, unnecessary = 0, executed = 0, productive_episodes = 0, kv_episodes = 0;
  double prompt = 0, generated = 0, kv = 0, prompt_ms = 0, decode_ms = 0, tool_ms = 0, queue_ms = 0, wall_ms = 0;
  for (const ScoredEpisode* e : episodes) {
    int64_t ran = std::count_if(e->calls.begin(), e->calls.end(), [](const CallView& c) { return c.executed; });
    calls += static_cast<int64_t>(e->calls.size());
    if (labelled(*e) && !label_says_tool(*e))
      unnecessary += std::count_if(e->calls.begin(), e->calls.end(),
                                   [&](const CallView& c) { return !acceptable_tool(*e, c.tool); });
    executed += ran;
    productive_episodes += ran > 0 && is_correct(*e);
    prompt += static_cast<double>(e->prompt_tokens);
    generated += static_cast<double>(e->generated_tokens);
    if (e->kv_bytes > 0) {  // 0 = not recorded
      ++kv_episodes;
      kv += static_cast<double>(e->kv_bytes);
    }
    prompt_ms += e->prompt_eval_ms;
    decode_ms += e->decode_ms;
    tool_ms += e->tool_ms;
    queue_ms += e->queue_ms;
    wall_ms += e->wall_ms;
  }
  std::optional<double> kv_mb = ratio(kv / (1024.0 * 1024.0), static_cast<double>(kv_episodes));
  return {{"tool_calls_per_episode", nullable(ratio(static_cast<double>(calls), n))},
          {"unnecessary_tool_calls", unnecessary},
          {"tool_productivity",
           nullable(ratio(static_cast<double>(productive_episodes), static_cast<double>(executed)))},
          {"prompt_tokens_per_task", nullable(ratio(prompt, n))},
          {"generated_tokens_per_task", nullable(ratio(generated, n))},
          {"kv_mb_per_inference", nullable(kv_mb)},
          {"latency_ms",
           {{"prompt_eval", nullable(ratio(prompt_ms, n))},
            {"decode", nullable(ratio(decode_ms, n))},
            {"tool", nullable(ratio(tool_ms, n))},
            {"queue", nullable(ratio(queue_ms, n))},
            {"wall", nullable(ratio(wall_ms, n))}}},
          {"throughput", throughput_json(episodes)}};
}

// One variant's memory and engine throughput: the stored figures of the
// process that ran it last (store/variant_resources.h; null when none were
// stored) and the KV bytes of its episodes.
ojson variant_json(const std::string& name, const EpisodeRefs& episodes,
                   const std::optional<store::VariantResources>& r) {
  int64_t kv_n = 0, kv_max = 0;
  double kv_sum = 0;
  for (const ScoredEpisode* e : episodes)
    if (e->kv_bytes > 0) {  // 0 = not recorded
      ++kv_n;
      kv_sum += static_cast<double>(e->kv_bytes);
      kv_max = std::max(kv_max, e->kv_bytes);
    }
  auto measured = [&](auto get) -> ojson { return r ? ojson(get(*r)) : ojson(nullptr); };
  return {{"variant", name},
          {"episodes", episodes.size()},
          {"weight_bytes", measured([](const auto& v) { return v.weight_bytes; })},
          {"peak_rss_bytes", measured([](const auto& v) { return v.peak_rss_bytes; })},
          {"gpu_bytes", r && r->gpu_bytes ? ojson(*r->gpu_bytes) : ojson(nullptr)},
          {"kv_bytes_per_inference",
           {{"mean", nullable(ratio(kv_sum, static_cast<double>(kv_n)))},
            {"max", kv_n > 0 ? ojson(kv_max) : ojson(nullptr)},
            {"n", kv_n}}},
          {"engine_generation_tokens_per_s",
           r ? nullable(ratio(static_cast<double>(r->generated_tokens), r->wall_ms / 1000.0)) : ojson(nullptr)},
          {"note", r ? r->note : "not measured: the run stored no figures for this variant"}};
}

// What happened after an episode's failed calls.
struct Recovery {
  bool failed = false;
  int calls_to_recover = 0;  // calls after the first failure up to the first success; 0 = never recovered
  bool loop = false;         // two consecutive calls failed with the same class
  bool gave_up = false;      // the last failed call has no successful call after it
};

Recovery recovery_of(const ScoredEpisode& e) {
  Recovery r;
  int first_failure = -1, last_failure = -1;
  for (int i = 0; i < static_cast<int>(e.calls.size()); ++i) {
    const CallView& c = e.calls[i];
    if (c.not_run_by_design) continue;
    if (c.ok) {
      if (first_failure >= 0 && r.calls_to_recover == 0) r.calls_to_recover = i - first_failure;
      continue;
    }
    if (first_failure < 0) first_failure = i;
    if (i > 0 && !e.calls[i - 1].ok && e.calls[i - 1].failure == c.failure) r.loop = true;
    last_failure = i;
  }
  r.failed = first_failure >= 0;
  if (r.failed) {
    r.gave_up = std::none_of(e.calls.begin() + last_failure + 1, e.calls.end(), [](const CallView& c) { return c.ok; });
  }
  return r;
}

ojson errors_json(const EpisodeRefs& episodes) {
  std::map<std::string, int64_t> counted;
  int64_t failed = 0, wrong_result = 0, failed_episodes = 0, loops = 0, give_ups = 0;
  int64_t recovered_within[4] = {0, 0, 0, 0};
  EpisodeRefs multi_step;
  for (const ScoredEpisode* e : episodes) {
    for (const CallView& c : e->calls)
      if (!c.ok && !c.not_run_by_design) {
        ++failed;
        ++counted[c.failure ? to_string(*c.failure) : "unclassified"];
      }
    bool all_ok =
        !e->calls.empty() && std::all_of(e->calls.begin(), e->calls.end(), [](const CallView& c) { return c.ok; });
    wrong_result += all_ok && has_correctness(*e) && !*e->correct;
    Recovery r = recovery_of(*e);
    if (r.failed) {
      ++failed_episodes;
      for (int k = 1; k <= 3; ++k) recovered_within[k] += r.calls_to_recover > 0 && r.calls_to_recover <= k;
      loops += r.loop;
      give_ups += r.gave_up;
    }
    if (e->category == "multi_step") multi_step.push_back(e);
  }
  ojson by_class = ojson::object();
  for (FailureClass f : kFailureClasses) by_class[to_string(f)] = counted.count(to_string(f)) ? counted[to_string(f)] : 0;
  for (const auto& [cls, n] : counted)
    if (!by_class.contains(cls)) by_class[cls] = n;
  ojson recovery = ojson::object();
  for (int k = 1; k <= 3; ++k)
    recovery[std::to_string(k)] =
        nullable(ratio(static_cast<double>(recovered_within[k]), static_cast<double>(failed_episodes)));
  return {{"failed_executions", failed},        {"by_class", by_class},
          {"wrong_result", wrong_result},       {"recovery_at_k", recovery},
          {"repeated_error_loops", loops},      {"give_ups", give_ups},
          {"multi_step_success", nullable(accuracy_of(multi_step))}};
}

// Claims of a computed result in scored episodes where nothing ran.
ojson fabrication_json(const EpisodeRefs& episodes) {
  int64_t without = 0, claims = 0, checked = 0, false_claims = 0;
  for (const ScoredEpisode* e : episodes) {
    if (!e->scored) continue;
    if (std::any_of(e->calls.begin(), e->calls.end(), [](const CallView& c) { return c.executed; })) continue;
    ++without;
    if (!e->fabrication_claim) continue;
    ++claims;
    if (e->fabrication_false) {
      ++checked;
      false_claims += *e->fabrication_false;
    }
  }
  return {{"episodes_without_execution", without},
          {"claims", claims},
          {"rate", nullable(ratio(static_cast<double>(claims), static_cast<double>(without)))},
          {"checked", checked},
          {"false_claims", false_claims}};
}

}  // namespace

// BFCL irrelevance (check abstain): the share of each outcome of the first
// reply among the scored abstain episodes. A malformed attempt is its own
// outcome, never an abstention; "no_reply" episodes count in n only.
ojson irrelevance_json(const EpisodeRefs& episodes) {
  int64_t n = 0, calls = 0, abstentions = 0, malformed = 0;
  for (const ScoredEpisode* e : episodes) {
    if (e->abstain_outcome.empty()) continue;
    ++n;
    calls += e->abstain_outcome == "call";
    abstentions += e->abstain_outcome == "abstention";
    malformed += e->abstain_outcome == "malformed";
  }
  auto rate = [&](int64_t k) { return nullable(ratio(static_cast<double>(k), static_cast<double>(n))); };
  return {{"n", n}, {"call_rate", rate(calls)}, {"abstention_rate", rate(abstentions)}, {"malformed_rate", rate(malformed)}};
}

namespace {

ojson condition_json(const Condition& c, const MetricsOptions& options) {
  const EpisodeRefs& eps = c.episodes;
  int64_t hallucinated = 0, hallucinating_episodes = 0, labelled_tool = 0;
  for (const ScoredEpisode* e : eps) {
    int64_t h = hallucinated_calls_of(*e);  // hallucination.h: also any call in distractor mode
    hallucinated += h;
    hallucinating_episodes += h > 0;
    labelled_tool += labelled(*e) && label_says_tool(*e);
  }
  double n = static_cast<double>(eps.size());
  ojson j;
  j["variant"] = c.variant;
  j["prompt_format"] = c.prompt_format;
  j["mode"] = to_string(c.mode);
  j["n"] = eps.size();
  j["accuracy"] = accuracy_json(c, options);
  j["process"] = process_json(eps);
  j["by_cell"] = by_cell_json(eps);
  j["first_action"] = first_action_json(eps);
  j["tool_use_rate"] = nullable(tool_use_rate_of(eps));
  j["labelled_tool_rate"] = nullable(ratio(static_cast<double>(labelled_tool), n));
  j["decision"] = {{"malformed_as_call", decision_json(decision_counts(eps, true))},
                   {"malformed_as_abstention", decision_json(decision_counts(eps, false))}};
  j["irrelevance"] = irrelevance_json(eps);
  j["tool_selection_accuracy"] = nullable(tool_selection_accuracy_of(eps));
  j["per_tool"] = per_tool_json(eps);
  j["confusion"] = confusion_json(eps);
  j["over_use_rate"] = nullable(over_use_rate_of(eps));
  j["under_use_rate"] = nullable(under_use_rate_of(eps));
  j["hallucinated_calls"] = hallucinated;
  j["hallucination_rate"] = nullable(ratio(static_cast<double>(hallucinating_episodes), n));
  j["by_category"] = breakdown_json(eps, "category", &category_key);
  j["by_difficulty"] = breakdown_json(eps, "difficulty", &difficulty_key);
  j["by_source"] = breakdown_json(eps, "source", &source_key);
  j["efficiency"] = efficiency_json(eps);
  j["errors"] = errors_json(eps);
  j["fabrication"] = fabrication_json(eps);
  // ---- Hallucinated calls and repeated samples (hallucination.h, samples_metrics.h) ----
  Estimate h = estimate_with_ci(eps, hallucination_rate_of, options.bootstrap_samples, options.seed,
                                ci_label(c, "hallucination_rate"));
  j["hallucination_ci"] = {{"lo", h.ci ? ojson(h.ci->lo) : ojson(nullptr)}, {"hi", h.ci ? ojson(h.ci->hi) : ojson(nullptr)}};
  Estimate p = estimate_with_ci(eps, mean_p_tool_of, options.bootstrap_samples, options.seed, ci_label(c, "p_tool"));
  j["p_tool"] = {{"n", std::count_if(eps.begin(), eps.end(), [](const ScoredEpisode* e) { return has_probe(*e); })},
                 {"mean", nullable(p.value)},
                 {"lo", p.ci ? ojson(p.ci->lo) : ojson(nullptr)},
                 {"hi", p.ci ? ojson(p.ci->hi) : ojson(nullptr)}};
  j["samples"] = samples_json(c, options.bootstrap_samples, options.seed);
  return j;
}

// ---- Per arm: the three modes of one (variant, prompt_format) ----

// One task of an arm seen under every mode. A mode's correctness is its
// solved share (necessity.h task_tallies(): 0 or 1 without repeats).
struct TaskModes {
  std::optional<double> free, force_tool, force_text;
  bool label_tool = false;
  std::vector<double> free_p_tool;  // decision probe of each free episode that has one
};

struct Arm {
  std::string variant, prompt_format;
  std::map<std::string, TaskModes> tasks;  // by task_id
};

std::vector<Arm> group_arms(const std::vector<ScoredEpisode>& episodes, const std::vector<Condition>& conditions) {
  std::map<std::tuple<std::string, std::string, std::string>, TaskTallies> tallies;
  for (TaskTallies& t : task_tallies(episodes)) tallies[{t.variant, t.prompt_format, t.task_id}] = std::move(t);
  std::vector<Arm> arms;
  for (const Condition& c : conditions) {
    if (arms.empty() || arms.back().variant != c.variant || arms.back().prompt_format != c.prompt_format)
      arms.push_back(Arm{c.variant, c.prompt_format, {}});
    Arm& arm = arms.back();
    for (const ScoredEpisode* e : c.episodes) {
      TaskModes& t = arm.tasks[e->task_id];
      if (labelled(*e)) t.label_tool = label_says_tool(*e);
      // A probe that failed to produce a number (NaN) would break the sort
      // behind the AUROC; it is left out like a missing one.
      if (c.mode == Mode::free && has_probe(*e)) t.free_p_tool.push_back(*e->p_tool);
      auto it = tallies.find({c.variant, c.prompt_format, e->task_id});
      if (it == tallies.end()) continue;  // a mode task_tallies() does not count (no_tools, distractor)
      if (c.mode == Mode::free) t.free = it->second.free.share();
      if (c.mode == Mode::force_tool) t.force_tool = it->second.force_tool.share();
      if (c.mode == Mode::force_text) t.force_text = it->second.force_text.share();
    }
  }
  return arms;
}

bool complete(const TaskModes& t) { return t.free && t.force_tool && t.force_text; }

ojson regret_json(const Arm& arm) {
  int64_t tasks = 0, tool = 0, text = 0, either = 0, neither = 0, decided = 0, agree = 0;
  double free_sum = 0, best_sum = 0;
  for (const auto& [id, t] : arm.tasks) {
    if (!complete(t)) continue;
    ++tasks;
    free_sum += *t.free;
    best_sum += std::max(*t.force_tool, *t.force_text);
    switch (best_choice(*t.force_tool, *t.force_text)) {
      case BestChoice::tool:
        ++tool;
        ++decided;
        agree += t.label_tool;
        break;
      case BestChoice::text:
        ++text;
        ++decided;
        agree += !t.label_tool;
        break;
      case BestChoice::either: ++either; break;
      case BestChoice::neither: ++neither; break;
    }
  }
  std::optional<double> free_acc = ratio(free_sum, static_cast<double>(tasks));
  std::optional<double> best_acc = ratio(best_sum, static_cast<double>(tasks));
  std::optional<double> regret;
  if (free_acc && best_acc) regret = *best_acc - *free_acc;
  return {{"variant", arm.variant},
          {"prompt_format", arm.prompt_format},
          {"tasks", tasks},
          {"free_accuracy", nullable(free_acc)},
          {"best_accuracy", nullable(best_acc)},
          {"regret", nullable(regret)},
          {"best_choice", {{"tool", tool}, {"text", text}, {"either", either}, {"neither", neither}}},
          {"label_agreement", nullable(ratio(static_cast<double>(agree), static_cast<double>(decided)))},
          {"label_decided_tasks", decided}};
}

ojson calibration_json(const Arm& arm) {
  std::vector<double> p;
  std::vector<bool> helped;
  for (const auto& [id, t] : arm.tasks) {
    if (!t.force_tool || !t.force_text || *t.force_tool == *t.force_text) continue;
    for (double v : t.free_p_tool) {
      p.push_back(v);
      helped.push_back(*t.force_tool > *t.force_text);
    }
  }
  ojson bins = ojson::array();
  for (const ReliabilityBin& b : reliability_bins(p, helped, 10))
    bins.push_back({{"lo", b.lo},
                    {"hi", b.hi},
                    {"n", b.n},
                    {"mean_p_tool", nullable(b.mean_p)},
                    {"helped_rate", nullable(b.rate)}});
  return {{"variant", arm.variant},
          {"prompt_format", arm.prompt_format},
          {"n", p.size()},
          {"auroc", nullable(auroc(p, helped))},
          {"bins", bins}};
}

}  // namespace

std::vector<Condition> group_conditions(const std::vector<ScoredEpisode>& episodes) {
  std::map<std::tuple<std::string, std::string, Mode>, Condition> groups;  // modes in the study's order
  for (const ScoredEpisode& e : episodes) {
    Condition& c = groups[{e.variant, e.prompt_format, e.mode}];
    if (c.episodes.empty()) {
      c.variant = e.variant;
      c.prompt_format = e.prompt_format;
      c.mode = e.mode;
    }
    c.episodes.push_back(&e);
  }
  std::vector<Condition> out;
  for (auto& [key, c] : groups) out.push_back(std::move(c));
  return out;
}

Estimate estimate_with_ci(const EpisodeRefs& episodes, const EpisodeStatistic& statistic, int samples, uint64_t seed,
                          const std::string& label) {
  Estimate out;
  out.value = statistic(episodes);
  if (!out.value) return out;
  std::map<std::string, EpisodeRefs> by_task;  // task_id order, whatever the stored order
  for (const ScoredEpisode* e : episodes) by_task[e->task_id].push_back(e);
  std::vector<const EpisodeRefs*> tasks;
  for (const auto& [id, refs] : by_task) tasks.push_back(&refs);
  out.ci = bootstrap_ci(
      static_cast<int>(tasks.size()),
      [&](const std::vector<int>& picks) {
        EpisodeRefs sample;
        for (int t : picks) sample.insert(sample.end(), tasks[t]->begin(), tasks[t]->end());
        return statistic(sample);
      },
      samples, data::derive_seed(seed, label));
  return out;
}

std::string ci_label(const Condition& condition, const std::string& metric) { return condition.name() + ":" + metric; }

std::optional<double> accuracy_of(const EpisodeRefs& episodes) {
  double correct = 0, total = 0;
  for (const ScoredEpisode* e : episodes)
    if (has_correctness(*e)) {
      total += 1;
      correct += *e->correct ? 1 : 0;
    }
  return ratio(correct, total);
}

std::optional<double> process_rate_of(const EpisodeRefs& episodes) {
  double followed = 0, total = 0;
  for (const ScoredEpisode* e : episodes)
    if (e->process_followed) {
      total += 1;
      followed += *e->process_followed ? 1 : 0;
    }
  return ratio(followed, total);
}

std::optional<double> tool_use_rate_of(const EpisodeRefs& episodes) {
  double calls = 0;
  for (const ScoredEpisode* e : episodes) calls += e->first_decision == ReplyKind::tool_call;
  return ratio(calls, static_cast<double>(episodes.size()));
}

std::optional<double> mean_p_tool_of(const EpisodeRefs& episodes) {
  double sum = 0, n = 0;
  for (const ScoredEpisode* e : episodes)
    if (has_probe(*e)) {
      sum += *e->p_tool;
      ++n;
    }
  return ratio(sum, n);
}

std::optional<double> DecisionCounts::precision() const {
  return ratio(static_cast<double>(tp), static_cast<double>(tp + fp));
}
std::optional<double> DecisionCounts::recall() const {
  return ratio(static_cast<double>(tp), static_cast<double>(tp + fn));
}
std::optional<double> DecisionCounts::f1() const {
  return ratio(2.0 * static_cast<double>(tp), static_cast<double>(2 * tp + fp + fn));
}
std::optional<double> DecisionCounts::accuracy() const {
  return ratio(static_cast<double>(tp + tn), static_cast<double>(tp + fp + fn + tn));
}

DecisionCounts decision_counts(const EpisodeRefs& episodes, bool malformed_as_call) {
  DecisionCounts d;
  for (const ScoredEpisode* e : episodes) {
    if (!labelled(*e)) continue;
    bool predicted = e->first_decision == ReplyKind::tool_call || (malformed_as_call && e->first_decision == ReplyKind::malformed);
    bool actual = label_says_tool(*e);
    if (predicted && actual) ++d.tp;
    if (predicted && !actual) ++d.fp;
    if (!predicted && actual) ++d.fn;
    if (!predicted && !actual) ++d.tn;
  }
  return d;
}

std::optional<double> tool_selection_accuracy_of(const EpisodeRefs& episodes) {
  double chosen = 0, total = 0;
  for (const ScoredEpisode* e : episodes) {
    if (!labelled(*e)) continue;
    total += 1;
    if (e->first_decision == ReplyKind::tool_call) chosen += acceptable_tool(*e, e->first_tool);
    if (e->first_decision == ReplyKind::text) chosen += acceptable_tool(*e, "none");
  }
  return ratio(chosen, total);
}

std::optional<double> over_use_rate_of(const EpisodeRefs& episodes) {
  double calls = 0, none = 0;
  for (const ScoredEpisode* e : episodes)
    if (labelled(*e) && !label_says_tool(*e)) {
      none += 1;
      // A call to a tool the task accepts as an alternative is no over-use.
      calls += e->first_decision == ReplyKind::tool_call && !acceptable_tool(*e, e->first_tool);
    }
  return ratio(calls, none);
}

std::optional<double> under_use_rate_of(const EpisodeRefs& episodes) {
  double text = 0, tool = 0;
  for (const ScoredEpisode* e : episodes)
    if (labelled(*e) && label_says_tool(*e)) {
      tool += 1;
      text += e->first_decision == ReplyKind::text;
    }
  return ratio(text, tool);
}

nlohmann::ordered_json throughput_json(const EpisodeRefs& episodes) {
  double evaluated = 0, decoded = 0, prompt_ms = 0, decode_ms = 0;
  for (const ScoredEpisode* e : episodes) {
    evaluated += static_cast<double>(e->prompt_evaluated_tokens);
    decoded += static_cast<double>(e->decoded_tokens);
    prompt_ms += e->prompt_eval_ms;
    decode_ms += e->decode_ms;
  }
  return {{"generation_tokens_per_s", nullable(ratio(decoded, decode_ms / 1000.0))},
          {"prompt_tokens_per_s", nullable(ratio(evaluated, prompt_ms / 1000.0))}};
}

nlohmann::ordered_json variants_json(const std::vector<ScoredEpisode>& episodes,
                                     const std::map<std::string, store::VariantResources>& resources) {
  std::map<std::string, EpisodeRefs> by_variant;
  for (const ScoredEpisode& e : episodes) by_variant[e.variant].push_back(&e);
  for (const auto& [name, r] : resources) by_variant[name];  // measured, though no episode is stored
  ojson out = ojson::array();
  for (const auto& [name, refs] : by_variant) {
    auto it = resources.find(name);
    out.push_back(variant_json(name, refs, it == resources.end() ? std::nullopt : std::optional(it->second)));
  }
  return out;
}

nlohmann::ordered_json compute_metrics(const std::vector<ScoredEpisode>& episodes, const MetricsOptions& options) {
  std::vector<Condition> conditions = group_conditions(episodes);
  ojson out;
  out["run"] = options.run_name;
  out["episodes"] = episodes.size();
  out["scored"] = std::count_if(episodes.begin(), episodes.end(), [](const ScoredEpisode& e) { return e.scored; });
  out["conditions"] = ojson::array();
  for (const Condition& c : conditions) out["conditions"].push_back(condition_json(c, options));
  out["variants"] = variants_json(episodes, options.variant_resources);
  out["regret"] = ojson::array();
  out["calibration"] = ojson::array();
  for (const Arm& arm : group_arms(episodes, conditions)) {
    out["regret"].push_back(regret_json(arm));
    out["calibration"].push_back(calibration_json(arm));
  }
  // Issue 17: per-model necessity and the decision/competence boundaries.
  out["necessity"] = necessity_json(episodes, options);
  out["boundaries"] = boundaries_json(episodes, options);
  out["sample_flips"] = sample_flips_json(conditions);  // samples_metrics.h
  return out;
}

}  // namespace agentcoder::evaluation
