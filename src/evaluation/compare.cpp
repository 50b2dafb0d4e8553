#include "evaluation/compare.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "evaluation/metrics.h"
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

}  // namespace

ojson compare_pair(const std::vector<ScoredEpisode>& episodes, const std::string& a_name, const std::string& b_name) {
  Selection a = resolve_selection(episodes, a_name), b = resolve_selection(episodes, b_name);
  // Episodes pair up on the task and on every dimension the names do not
  // set to different values.
  std::vector<std::string> matched_by = {"task_id"};
  const std::string Selection::*members[3] = {&Selection::variant, &Selection::prompt_format, &Selection::mode};
  std::vector<std::string> differing;
  for (size_t d = 0; d < kDimensions.size(); ++d) {
    const std::string &va = a.*members[d], &vb = b.*members[d];
    if (!va.empty() && !vb.empty() && va != vb)
      differing.push_back(kDimensions[d]);
    else
      matched_by.push_back(kDimensions[d]);
  }
  if (differing.empty())
    throw InputError("'" + a_name + "' and '" + b_name + "' do not differ in variant, prompt format or mode");

  // Key -> episodes in stored order; the i-th repeat in A pairs with the
  // i-th in B.
  auto key_of = [&](const ScoredEpisode& e) {
    std::string key = e.task_id;
    for (size_t d = 1; d < matched_by.size(); ++d) key += "\n" + field(e, matched_by[d]);
    return key;
  };
  std::map<std::string, std::vector<const ScoredEpisode*>> in_a, in_b;
  for (const ScoredEpisode& e : episodes) {
    if (selects(a, e)) in_a[key_of(e)].push_back(&e);
    if (selects(b, e)) in_b[key_of(e)].push_back(&e);
  }

  int64_t pairs = 0, unmatched_a = 0, unmatched_b = 0, both_scored = 0, a_correct = 0, b_correct = 0, only_a = 0,
          only_b = 0;
  std::vector<std::vector<FlipCell>> cells(kReplyKinds.size(), std::vector<FlipCell>(kReplyKinds.size()));
  for (const auto& [key, list_a] : in_a) {
    auto it = in_b.find(key);
    size_t in_b_count = it == in_b.end() ? 0 : it->second.size();
    size_t shared = std::min(list_a.size(), in_b_count);
    unmatched_a += static_cast<int64_t>(list_a.size() - shared);
    for (size_t i = 0; i < shared; ++i) {
      const ScoredEpisode &ea = *list_a[i], &eb = *it->second[i];
      ++pairs;
      if (ea.scored && eb.scored && ea.correct && eb.correct) {
        ++both_scored;
        a_correct += *ea.correct;
        b_correct += *eb.correct;
        only_a += *ea.correct && !*eb.correct;
        only_b += !*ea.correct && *eb.correct;
      }
      cells[static_cast<size_t>(ea.first_decision)][static_cast<size_t>(eb.first_decision)].add(ea, eb);
    }
  }
  for (const auto& [key, list_b] : in_b) {
    auto it = in_a.find(key);
    size_t shared = std::min(list_b.size(), it == in_a.end() ? size_t{0} : it->second.size());
    unmatched_b += static_cast<int64_t>(list_b.size() - shared);
  }

  McNemarResult m = mcnemar(only_a, only_b);
  ojson cell_rows = ojson::array();
  for (const auto& row : cells) {
    ojson r = ojson::array();
    for (const FlipCell& c : row) r.push_back(c.json());
    cell_rows.push_back(r);
  }
  auto ratio = [](int64_t num, int64_t den) { return den == 0 ? ojson(nullptr) : ojson(double(num) / double(den)); };
  ojson out;
  out["a"] = a.name();
  out["b"] = b.name();
  out["differ_in"] = differing;
  out["matched_by"] = matched_by;
  out["pairs"] = pairs;
  out["unmatched_a"] = unmatched_a;
  out["unmatched_b"] = unmatched_b;
  out["accuracy"] = {{"n", both_scored}, {"a", ratio(a_correct, both_scored)}, {"b", ratio(b_correct, both_scored)}};
  out["mcnemar"] = {{"b", m.b}, {"c", m.c}, {"method", m.method}, {"statistic", m.statistic}, {"p", m.p}};
  out["flips"] = {{"rows", first_action_names()}, {"cols", first_action_names()}, {"cells", cell_rows}};
  const size_t call = static_cast<size_t>(ReplyKind::tool_call), text = static_cast<size_t>(ReplyKind::text);
  out["call_to_text"] = cells[call][text].json();
  out["text_to_call"] = cells[text][call].json();
  return out;
}

}  // namespace agentcoder::evaluation
