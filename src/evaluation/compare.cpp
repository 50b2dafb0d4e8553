#include "evaluation/compare.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "data/rng.h"
#include "evaluation/boundary.h"
#include "evaluation/hallucination.h"
#include "evaluation/metrics.h"
#include "evaluation/necessity.h"
#include "evaluation/stats.h"
#include "utils/errors.h"

namespace agentcoder::evaluation {
namespace {

using ojson = nlohmann::ordered_json;

ojson nullable(const std::optional<double>& v) { return v ? ojson(*v) : ojson(nullptr); }

const std::vector<std::string> kDimensions = {"variant", "prompt_format", "mode"};

std::string field(const ScoredEpisode& e, const std::string& dimension) {
  if (dimension == "variant") return e.variant;
  if (dimension == "prompt_format") return e.prompt_format;
  return to_string(e.mode);
}

// The first actions in the flip matrix's order.
std::vector<std::string> first_action_names() {
  std::vector<std::string> names;
  for (ReplyKind k : kReplyKinds) names.push_back(to_string(k));
  return names;
}

// The metrics a comparison table shows, each computed on a set of episodes
// (a row, or a bootstrap resample of its tasks).
struct TableMetric {
  const char* name;
  EpisodeStatistic compute;
};

const std::vector<TableMetric>& table_metrics() {
  static const std::vector<TableMetric> metrics = {
      {"accuracy", accuracy_of},
      {"tool_use_rate", tool_use_rate_of},
      {"decision_f1", [](const EpisodeRefs& e) { return decision_counts(e, /*malformed_as_call=*/true).f1(); }},
      {"tool_selection_accuracy", tool_selection_accuracy_of},
      {"over_use_rate", over_use_rate_of},
      {"under_use_rate", under_use_rate_of},
      {"hallucination_rate", hallucination_rate_of},  // hallucination.h
      {"p_tool", mean_p_tool_of},                     // mean decision probe where the model decides
  };
  return metrics;
}

// `label` names the quantity for the bootstrap's seed (metrics.h ci_label).
ojson metric_with_ci(const TableMetric& metric, const EpisodeRefs& episodes, const CompareOptions& options,
                     const std::string& label) {
  Estimate m = estimate_with_ci(episodes, metric.compute, options.bootstrap_samples, options.seed, label);
  return {{"value", nullable(m.value)},
          {"lo", m.ci ? ojson(m.ci->lo) : ojson(nullptr)},
          {"hi", m.ci ? ojson(m.ci->hi) : ojson(nullptr)}};
}

// One row of a table: a condition, or one data source of it (source != "").
ojson table_row(const Condition& c, const std::string& source, const EpisodeRefs& episodes,
                const CompareOptions& options) {
  std::set<std::string> task_ids;
  int64_t judged = 0;
  for (const ScoredEpisode* e : episodes) {
    task_ids.insert(e->task_id);
    judged += e->scored && e->correct.has_value();
  }
  ojson row;
  row["condition"] = source.empty() ? c.name() : c.name() + " source=" + source;
  row["variant"] = c.variant;
  row["prompt_format"] = c.prompt_format;
  row["mode"] = to_string(c.mode);
  if (!source.empty()) row["source"] = source;
  row["n"] = episodes.size();
  row["judged"] = judged;
  row["tasks"] = task_ids.size();
  for (const TableMetric& m : table_metrics()) {
    // A whole condition's interval is the one `metrics` prints (ci_label).
    std::string label = source.empty() ? ci_label(c, m.name) : ci_label(c, m.name) + ":source=" + source;
    row[m.name] = metric_with_ci(m, episodes, options, label);
  }
  row["irrelevance"] = irrelevance_json(episodes);
  row["throughput"] = throughput_json(episodes);
  return row;
}

}  // namespace

std::string Selection::name() const {
  auto part = [](const std::string& s) { return s.empty() ? std::string("*") : s; };
  return part(variant) + "/" + part(prompt_format) + "/" + part(mode);
}

Selection resolve_selection(const std::vector<ScoredEpisode>& episodes, const std::string& name) {
  std::vector<std::string> parts;
  std::stringstream in(name);
  for (std::string part; std::getline(in, part, '/');) parts.push_back(part);
  if (!name.empty() && name.back() == '/') parts.push_back("");
  if (parts.empty() || parts.size() > 3) throw InputError("'" + name + "': expected variant/prompt_format/mode");

  // A part equal to a value picks it; else a part contained in exactly one
  // value does ("Q4" for "qwen-1.5b-Q4_K_M").
  auto match = [&](const std::string& dimension, const std::string& part) -> std::string {
    std::set<std::string> values;
    for (const ScoredEpisode& e : episodes) values.insert(field(e, dimension));
    if (values.count(part)) return part;
    std::vector<std::string> hits;
    for (const std::string& v : values)
      if (v.find(part) != std::string::npos) hits.push_back(v);
    if (hits.size() == 1) return hits.front();
    if (hits.size() > 1) {
      std::string listed;
      for (const std::string& h : hits) listed += (listed.empty() ? "" : ", ") + h;
      throw InputError("'" + name + "': " + dimension + " '" + part + "' is ambiguous (" + listed + ")");
    }
    return "";
  };

  Selection s;
  std::string* slots[3] = {&s.variant, &s.prompt_format, &s.mode};
  if (parts.size() == 1) {
    // One word may name any dimension; the variant is tried first.
    for (size_t d = 0; d < kDimensions.size() && !parts[0].empty(); ++d)
      if (std::string hit = match(kDimensions[d], parts[0]); !hit.empty()) {
        *slots[d] = hit;
        return s;
      }
    throw InputError("'" + name + "': matches no variant, prompt format or mode");
  }
  for (size_t d = 0; d < parts.size(); ++d) {
    if (parts[d].empty() || parts[d] == "*") continue;
    *slots[d] = match(kDimensions[d], parts[d]);
    if (slots[d]->empty()) throw InputError("'" + name + "': no " + kDimensions[d] + " '" + parts[d] + "'");
  }
  return s;
}

ojson compare_conditions(const std::vector<ScoredEpisode>& episodes, const CompareOptions& options) {
  const bool by_source = options.by == "source";
  if (!by_source && std::find(kDimensions.begin(), kDimensions.end(), options.by) == kDimensions.end())
    throw InputError("--by: expected variant, prompt_format, mode or source, got '" + options.by + "'");
  // By source, each condition is a table of its data sources.
  std::vector<std::string> fixed_dims;
  for (const std::string& d : kDimensions)
    if (d != options.by) fixed_dims.push_back(d);

  // Tables keyed by the fixed dimensions, in the conditions' order.
  std::vector<std::pair<ojson, std::vector<Condition>>> tables;
  for (Condition& c : group_conditions(episodes)) {
    const ScoredEpisode& first = *c.episodes.front();
    ojson fixed;
    for (const std::string& d : fixed_dims) fixed[d] = field(first, d);
    auto it = std::find_if(tables.begin(), tables.end(), [&](const auto& t) { return t.first == fixed; });
    if (it == tables.end()) {
      tables.push_back({fixed, {}});
      it = tables.end() - 1;
    }
    it->second.push_back(std::move(c));
  }

  ojson out;
  out["run"] = options.run_name;
  out["by"] = options.by;
  out["metrics"] = ojson::array();
  for (const TableMetric& m : table_metrics()) out["metrics"].push_back(m.name);
  out["tables"] = ojson::array();
  for (const auto& [fixed, conditions] : tables) {
    ojson rows = ojson::array();
    for (const Condition& c : conditions) {
      if (!by_source) {
        rows.push_back(table_row(c, "", c.episodes, options));
        continue;
      }
      std::map<std::string, EpisodeRefs> sources;
      for (const ScoredEpisode* e : c.episodes) sources[e->source].push_back(e);
      for (const auto& [source, refs] : sources) rows.push_back(table_row(c, source, refs, options));
    }
    out["tables"].push_back({{"fixed", fixed}, {"rows", rows}});
  }
  out["variants"] = variants_json(episodes, options.variant_resources);
  // Issue 17: the metrics JSON's necessity cells and boundaries, as metrics prints them.
  MetricsOptions decision_options;
  decision_options.bootstrap_samples = options.bootstrap_samples;
  decision_options.seed = options.seed;
  decision_options.necessity_threshold = options.necessity_threshold;
  out["necessity"] = necessity_json(episodes, decision_options);
  out["boundaries"] = boundaries_json(episodes, decision_options);
  return out;
}

namespace {

bool selects(const Selection& s, const ScoredEpisode& e) {
  return (s.variant.empty() || s.variant == e.variant) &&
         (s.prompt_format.empty() || s.prompt_format == e.prompt_format) && (s.mode.empty() || s.mode == to_string(e.mode));
}

struct FlipCell {
  int64_t n = 0, better = 0, worse = 0, same = 0;
  void add(const ScoredEpisode& a, const ScoredEpisode& b) {
    ++n;
    if (!a.scored || !b.scored || !a.correct || !b.correct) return;
    if (*b.correct && !*a.correct)
      ++better;
    else if (*a.correct && !*b.correct)
      ++worse;
    else
      ++same;
  }
  ojson json() const { return {{"n", n}, {"better", better}, {"worse", worse}, {"same", same}}; }
};

using EpisodePair = std::pair<const ScoredEpisode*, const ScoredEpisode*>;

bool judged(const ScoredEpisode& e) { return e.scored && e.correct.has_value(); }

// Accuracy of both sides, the paired bootstrap CI of B - A, McNemar and the
// flip matrix of a list of pairs (all of them, or one category's).
ojson pair_summary(const std::vector<EpisodePair>& pairs, const PairOptions& options, const std::string& label) {
  int64_t both_judged = 0, a_correct = 0, b_correct = 0, only_a = 0, only_b = 0;
  std::vector<std::vector<FlipCell>> cells(kReplyKinds.size(), std::vector<FlipCell>(kReplyKinds.size()));
  std::map<std::string, int> clusters;  // task_id -> index, in task_id order
  for (const auto& [ea, eb] : pairs)
    if (judged(*ea) && judged(*eb)) clusters.emplace(ea->task_id, 0);
  int next = 0;
  for (auto& [task, index] : clusters) index = next++;
  std::vector<PairedValue> values;
  for (const auto& [ea, eb] : pairs) {
    cells[static_cast<size_t>(ea->first_decision)][static_cast<size_t>(eb->first_decision)].add(*ea, *eb);
    if (!judged(*ea) || !judged(*eb)) continue;
    ++both_judged;
    a_correct += *ea->correct;
    b_correct += *eb->correct;
    only_a += *ea->correct && !*eb->correct;
    only_b += !*ea->correct && *eb->correct;
    values.push_back({clusters.at(ea->task_id), *ea->correct ? 1.0 : 0.0, *eb->correct ? 1.0 : 0.0});
  }
  PairedDifference d = paired_mean_difference(values, static_cast<int>(clusters.size()), options.bootstrap_samples,
                                              data::derive_seed(options.seed, label + ":accuracy_difference"));
  McNemarResult m = mcnemar(only_a, only_b);
  ojson cell_rows = ojson::array();
  for (const auto& row : cells) {
    ojson r = ojson::array();
    for (const FlipCell& c : row) r.push_back(c.json());
    cell_rows.push_back(r);
  }
  auto ratio = [](int64_t num, int64_t den) { return den == 0 ? ojson(nullptr) : ojson(double(num) / double(den)); };
  ojson out;
  out["pairs"] = pairs.size();
  out["accuracy"] = {{"n", both_judged},
                     {"tasks", clusters.size()},
                     {"a", ratio(a_correct, both_judged)},
                     {"b", ratio(b_correct, both_judged)},
                     {"difference",
                      {{"value", nullable(d.value)},
                       {"lo", d.ci ? ojson(d.ci->lo) : ojson(nullptr)},
                       {"hi", d.ci ? ojson(d.ci->hi) : ojson(nullptr)}}}};
  out["mcnemar"] = {{"b", m.b}, {"c", m.c}, {"method", m.method}, {"statistic", m.statistic}, {"p", m.p}};
  out["flips"] = {{"rows", first_action_names()}, {"cols", first_action_names()}, {"cells", cell_rows}};
  const size_t call = static_cast<size_t>(ReplyKind::tool_call), text = static_cast<size_t>(ReplyKind::text);
  out["call_to_text"] = cells[call][text].json();
  out["text_to_call"] = cells[text][call].json();
  return out;
}

// Why an episode found no partner, most general reason first.
const std::vector<std::string> kUnmatchedReasons = {"task_not_in_other", "condition_not_in_other",
                                                    "seed_not_in_other", "extra_repeat"};

// Pairs the episodes of A with those of B on the task, the `matched`
// dimensions (field() names) and the seed; the i-th repeat of a key in A
// (stored order) pairs with the i-th in B. The result: pair_summary of all
// pairs and of each category's, and the unpaired counts by reason.
ojson pair_episodes(const EpisodeRefs& side_a, const EpisodeRefs& side_b, const std::vector<std::string>& matched,
                    const PairOptions& options, const std::string& label) {
  auto condition_key = [&](const ScoredEpisode& e) {
    std::string key = e.task_id;
    for (const std::string& d : matched) key += "\n" + field(e, d);
    return key;
  };
  auto key_of = [&](const ScoredEpisode& e) { return condition_key(e) + "\n" + std::to_string(e.seed); };
  std::map<std::string, std::vector<const ScoredEpisode*>> in_a, in_b;
  for (const ScoredEpisode* e : side_a) in_a[key_of(*e)].push_back(e);
  for (const ScoredEpisode* e : side_b) in_b[key_of(*e)].push_back(e);

  std::vector<EpisodePair> pairs;
  for (const auto& [key, list_a] : in_a) {
    auto it = in_b.find(key);
    if (it == in_b.end()) continue;
    for (size_t i = 0; i < std::min(list_a.size(), it->second.size()); ++i) pairs.push_back({list_a[i], it->second[i]});
  }

  // The unpaired episodes of one side, by reason.
  auto unmatched = [&](const std::map<std::string, std::vector<const ScoredEpisode*>>& mine, const EpisodeRefs& other,
                       const std::map<std::string, std::vector<const ScoredEpisode*>>& theirs) {
    std::set<std::string> tasks, conditions;
    for (const ScoredEpisode* e : other) {
      tasks.insert(e->task_id);
      conditions.insert(condition_key(*e));
    }
    std::map<std::string, int64_t> counts;
    for (const std::string& r : kUnmatchedReasons) counts[r] = 0;
    int64_t total = 0;
    for (const auto& [key, list] : mine) {
      auto it = theirs.find(key);
      size_t shared = it == theirs.end() ? 0 : std::min(list.size(), it->second.size());
      for (size_t i = shared; i < list.size(); ++i) {
        const ScoredEpisode& e = *list[i];
        ++total;
        if (!tasks.count(e.task_id))
          ++counts["task_not_in_other"];
        else if (!conditions.count(condition_key(e)))
          ++counts["condition_not_in_other"];
        else if (it == theirs.end())
          ++counts["seed_not_in_other"];
        else
          ++counts["extra_repeat"];
      }
    }
    ojson by_reason;
    for (const std::string& r : kUnmatchedReasons) by_reason[r] = counts[r];
    return std::make_pair(total, by_reason);
  };
  auto [unmatched_a, reasons_a] = unmatched(in_a, side_b, in_b);
  auto [unmatched_b, reasons_b] = unmatched(in_b, side_a, in_a);

  ojson summary = pair_summary(pairs, options, label);
  ojson out;
  out["pairs"] = summary["pairs"];
  out["unmatched_a"] = unmatched_a;
  out["unmatched_b"] = unmatched_b;
  out["unmatched_by_reason"] = {{"a", reasons_a}, {"b", reasons_b}};
  for (const char* k : {"accuracy", "mcnemar", "flips", "call_to_text", "text_to_call"}) out[k] = summary[k];
  out["bootstrap"] = {{"resamples", options.bootstrap_samples}, {"seed", options.seed}, {"resampled", "task_id"}};

  // By the task's category (A's episode; a task's category is the same in B).
  std::map<std::string, std::vector<EpisodePair>> by_category;
  for (const EpisodePair& p : pairs) by_category[p.first->category].push_back(p);
  out["by_category"] = ojson::array();
  for (const auto& [category, list] : by_category) {
    ojson row;
    row["category"] = category;
    ojson summary_of_category = pair_summary(list, options, label + ":category=" + category);
    for (const auto& [k, v] : summary_of_category.items()) row[k] = v;
    out["by_category"].push_back(row);
  }
  return out;
}

// `name`: a selection, or "" for every episode.
Selection resolve_or_all(const std::vector<ScoredEpisode>& episodes, const std::string& name) {
  return name.empty() ? Selection{} : resolve_selection(episodes, name);
}

// A pair's JSON: its two names, what tells them apart and what pairs them,
// then pair_episodes' figures.
ojson pair_json(const std::string& a, const std::string& b, const std::vector<std::string>& differing,
                const std::vector<std::string>& matched, const ojson& paired) {
  ojson out;
  out["a"] = a;
  out["b"] = b;
  out["differ_in"] = differing;
  ojson matched_by = ojson::array({"task_id"});
  for (const std::string& d : matched) matched_by.push_back(d);
  matched_by.push_back("seed");
  out["matched_by"] = matched_by;
  for (const auto& [k, v] : paired.items()) out[k] = v;
  return out;
}

}  // namespace

ojson compare_pair(const std::vector<ScoredEpisode>& episodes, const std::string& a_name, const std::string& b_name,
                   const PairOptions& options) {
  Selection a = resolve_selection(episodes, a_name), b = resolve_selection(episodes, b_name);
  // Episodes pair up on the task and seed, and on every dimension the names
  // do not set to different values.
  std::vector<std::string> matched, differing;
  const std::string Selection::*members[3] = {&Selection::variant, &Selection::prompt_format, &Selection::mode};
  for (size_t d = 0; d < kDimensions.size(); ++d) {
    const std::string &va = a.*members[d], &vb = b.*members[d];
    if (!va.empty() && !vb.empty() && va != vb)
      differing.push_back(kDimensions[d]);
    else
      matched.push_back(kDimensions[d]);
  }
  if (differing.empty())
    throw InputError("'" + a_name + "' and '" + b_name + "' do not differ in variant, prompt format or mode");

  EpisodeRefs side_a, side_b;
  for (const ScoredEpisode& e : episodes) {
    if (selects(a, e)) side_a.push_back(&e);
    if (selects(b, e)) side_b.push_back(&e);
  }
  return pair_json(a.name(), b.name(), differing, matched,
                   pair_episodes(side_a, side_b, matched, options, "pair " + a.name() + " | " + b.name()));
}

ojson compare_runs(const RunEpisodes& run_a, const RunEpisodes& run_b, const CompareRunsOptions& options) {
  // Tasks are paired by id; the same id must be the same task.
  std::map<std::string, std::string> content;
  for (const ScoredEpisode& e : run_a.episodes)
    if (!e.task_sha256.empty()) content.emplace(e.task_id, e.task_sha256);
  for (const ScoredEpisode& e : run_b.episodes) {
    auto it = content.find(e.task_id);
    if (it == content.end() || e.task_sha256.empty() || it->second == e.task_sha256) continue;
    throw InputError("task '" + e.task_id + "' differs in content between run '" + run_a.name + "' (sha256 " +
                     it->second.substr(0, 12) + ") and run '" + run_b.name + "' (sha256 " +
                     e.task_sha256.substr(0, 12) + "): the runs cannot be paired");
  }

  // A variant name in both runs is shown with its run's name (or A and B
  // when the runs have one name).
  std::set<std::string> variants_a, variants_b;
  for (const ScoredEpisode& e : run_a.episodes) variants_a.insert(e.variant);
  for (const ScoredEpisode& e : run_b.episodes) variants_b.insert(e.variant);
  const bool same_run_name = run_a.name == run_b.name;
  auto shown = [&](const std::string& variant, bool in_a) {
    if (!(in_a ? variants_b : variants_a).count(variant)) return variant;
    return variant + "@" + (same_run_name ? std::string(in_a ? "A" : "B") : (in_a ? run_a.name : run_b.name));
  };

  // The selections, each resolved in its own run; each must hold one variant.
  auto select = [&](const RunEpisodes& run, const std::string& name, const char* side) {
    Selection s = resolve_or_all(run.episodes, name);
    std::set<std::string> variants;
    for (const ScoredEpisode& e : run.episodes)
      if (selects(s, e)) variants.insert(e.variant);
    if (variants.empty()) throw InputError(std::string(side) + " '" + s.name() + "' selects no episode of run '" + run.name + "'");
    if (variants.size() > 1) {
      std::string listed;
      for (const std::string& v : variants) listed += (listed.empty() ? "" : ", ") + v;
      throw InputError(std::string("run '") + run.name + "' has " + std::to_string(variants.size()) + " variants (" +
                       listed + "): name one with --pair A B");
    }
    s.variant = *variants.begin();
    return s;
  };
  Selection a = select(run_a, options.select_a, "A"), b = select(run_b, options.select_b, "B");

  // One list of episodes, variants renamed, for the tables and the pairing.
  std::vector<ScoredEpisode> merged;
  merged.reserve(run_a.episodes.size() + run_b.episodes.size());
  for (const ScoredEpisode& e : run_a.episodes) {
    merged.push_back(e);
    merged.back().variant = shown(e.variant, true);
  }
  const size_t b_start = merged.size();
  for (const ScoredEpisode& e : run_b.episodes) {
    merged.push_back(e);
    merged.back().variant = shown(e.variant, false);
  }
  Selection shown_a = a, shown_b = b;
  shown_a.variant = shown(a.variant, true);
  shown_b.variant = shown(b.variant, false);

  std::vector<std::string> matched, differing = {"run"};
  if (a.variant != b.variant) differing.push_back("variant");  // as the runs name them
  const std::string Selection::*members[2] = {&Selection::prompt_format, &Selection::mode};
  const char* names[2] = {"prompt_format", "mode"};
  for (size_t d = 0; d < 2; ++d) {
    const std::string &va = a.*members[d], &vb = b.*members[d];
    if (!va.empty() && !vb.empty()) {
      if (va != vb) differing.push_back(names[d]);
    } else {
      matched.push_back(names[d]);
    }
  }
  EpisodeRefs side_a, side_b;
  for (size_t i = 0; i < merged.size(); ++i) {
    if (i < b_start && selects(shown_a, merged[i])) side_a.push_back(&merged[i]);
    if (i >= b_start && selects(shown_b, merged[i])) side_b.push_back(&merged[i]);
  }
  PairOptions pair_options{options.bootstrap_samples, options.seed};
  ojson paired = pair_episodes(side_a, side_b, matched, pair_options, "pair " + shown_a.name() + " | " + shown_b.name());

  auto run_json = [&](const RunEpisodes& run, bool in_a) {
    ojson variants = ojson::array();
    for (const std::string& v : in_a ? variants_a : variants_b)
      variants.push_back({{"variant", v}, {"shown_as", shown(v, in_a)}});
    return ojson{{"name", run.name}, {"episodes", run.episodes.size()}, {"variants", variants}};
  };
  ojson out;
  out["runs"] = {{"a", run_json(run_a, true)}, {"b", run_json(run_b, false)}};

  CompareOptions table_options;
  table_options.run_name = run_a.name + " + " + run_b.name;
  table_options.by = options.by;
  table_options.bootstrap_samples = options.bootstrap_samples;
  table_options.seed = options.seed;
  table_options.necessity_threshold = options.necessity_threshold;
  for (const auto& [v, r] : run_a.variant_resources) table_options.variant_resources[shown(v, true)] = r;
  for (const auto& [v, r] : run_b.variant_resources) table_options.variant_resources[shown(v, false)] = r;
  out["tables"] = compare_conditions(merged, table_options);

  out["pair"] = pair_json(shown_a.name(), shown_b.name(), differing, matched, paired);
  return out;
}

}  // namespace agentcoder::evaluation
