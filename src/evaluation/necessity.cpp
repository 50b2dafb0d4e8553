#include "evaluation/necessity.h"

#include <map>
#include <stdexcept>
#include <tuple>

namespace agentcoder::evaluation {

const char* to_string(BestChoice choice) {
  switch (choice) {
    case BestChoice::tool: return "tool";
    case BestChoice::text: return "text";
    case BestChoice::either: return "either";
    case BestChoice::neither: return "neither";
  }
  return "?";
}

BestChoice best_choice(double tool, double text) {
  return tool > text ? BestChoice::tool : text > tool ? BestChoice::text : tool > 0 ? BestChoice::either : BestChoice::neither;
}
namespace {

using ojson = nlohmann::ordered_json;

ojson nullable(const std::optional<double>& v) { return v ? ojson(*v) : ojson(nullptr); }

ojson tally_json(const SolvedTally& t) { return {{"solved", t.solved}, {"judged", t.judged}}; }

bool called(const ScoredEpisode& e) { return e.first_decision == ReplyKind::tool_call; }

// The knowing-doing cells, in the order they are printed.
struct Cell {
  const char* name;
  bool necessary, called;
};
const Cell kCells[] = {{"necessary_called", true, true},
                       {"necessary_not_called", true, false},
                       {"unnecessary_called", false, true},
                       {"unnecessary_not_called", false, false}};

}  // namespace

std::optional<double> SolvedTally::share() const {
  if (judged == 0) return std::nullopt;
  return static_cast<double>(solved) / static_cast<double>(judged);
}

std::vector<TaskTallies> task_tallies(const std::vector<ScoredEpisode>& episodes) {
  std::map<std::tuple<std::string, std::string, std::string>, TaskTallies> tasks;
  for (const ScoredEpisode& e : episodes) {
    if (e.mode != Mode::free && e.mode != Mode::force_tool && e.mode != Mode::force_text) continue;
    TaskTallies& t = tasks[{e.variant, e.prompt_format, e.task_id}];
    t.variant = e.variant;
    t.prompt_format = e.prompt_format;
    t.task_id = e.task_id;
    SolvedTally& tally = e.mode == Mode::free ? t.free : e.mode == Mode::force_tool ? t.force_tool : t.force_text;
    tally.episodes += 1;
    if (!e.scored || !e.correct) continue;
    tally.solved += *e.correct ? 1 : 0;
    tally.judged += 1;
  }
  std::vector<TaskTallies> out;
  for (auto& [key, t] : tasks) out.push_back(std::move(t));
  return out;
}

std::vector<TaskNecessity> task_necessity(const std::vector<ScoredEpisode>& episodes, double threshold) {
  if (!(threshold > 0 && threshold <= 1)) throw std::invalid_argument("necessity threshold must be in (0, 1]");
  std::map<std::tuple<std::string, std::string, std::string>, std::optional<bool>> labels;
  for (const ScoredEpisode& e : episodes)
    if ((e.mode == Mode::force_text || e.mode == Mode::force_tool) && !e.optimal_tool.empty())
      labels[{e.variant, e.prompt_format, e.task_id}] = e.optimal_tool != "none";
  std::vector<TaskNecessity> out;
  for (const TaskTallies& tallies : task_tallies(episodes)) {
    if (tallies.force_text.episodes == 0 && tallies.force_tool.episodes == 0) continue;
    TaskNecessity t;
    t.variant = tallies.variant;
    t.prompt_format = tallies.prompt_format;
    t.task_id = tallies.task_id;
    t.force_text = tallies.force_text;
    t.force_tool = tallies.force_tool;
    auto label = labels.find({t.variant, t.prompt_format, t.task_id});
    if (label != labels.end()) t.label_says_tool = label->second;
    std::optional<double> text = t.force_text.share(), tool = t.force_tool.share();
    if (text) t.necessary = *text < threshold;
    if (text && tool) t.benefits = *tool > *text;
    out.push_back(std::move(t));
  }
  return out;
}

ojson necessity_json(const std::vector<ScoredEpisode>& episodes, const MetricsOptions& options) {
  std::vector<TaskNecessity> all = task_necessity(episodes, options.necessity_threshold);
  std::vector<Condition> conditions = group_conditions(episodes);
  std::vector<std::pair<std::string, std::string>> arms;  // in the conditions' order
  for (const Condition& c : conditions)
    if (arms.empty() || arms.back() != std::make_pair(c.variant, c.prompt_format))
      arms.emplace_back(c.variant, c.prompt_format);

  ojson out = ojson::array();
  for (const auto& [variant, format] : arms) {
    std::map<std::string, const TaskNecessity*> by_task;
    for (const TaskNecessity& t : all)
      if (t.variant == variant && t.prompt_format == format && t.necessary) by_task[t.task_id] = &t;
    const Condition* free = nullptr;
    for (const Condition& c : conditions)
      if (c.variant == variant && c.prompt_format == format && c.mode == Mode::free) free = &c;
    EpisodeRefs free_episodes;  // on tasks with a necessity
    if (free)
      for (const ScoredEpisode* e : free->episodes)
        if (by_task.count(e->task_id)) free_episodes.push_back(e);

    // Each free episode's task necessity, by its position in `episodes`, so
    // the bootstrap's thousands of resamples look it up without a search.
    std::vector<char> necessary_at(episodes.size(), 0);
    for (const ScoredEpisode* e : free_episodes)
      necessary_at[static_cast<size_t>(e - episodes.data())] = *by_task.at(e->task_id)->necessary;
    auto necessary_of = [&](const ScoredEpisode* e) { return necessary_at[static_cast<size_t>(e - episodes.data())] != 0; };
    // The share of `refs` (the condition, or a resample) in the cells `in`.
    auto share_of = [&](auto in) -> EpisodeStatistic {
      return [&necessary_of, in](const EpisodeRefs& refs) -> std::optional<double> {
        if (refs.empty()) return std::nullopt;
        double k = 0;
        for (const ScoredEpisode* e : refs) k += in(necessary_of(e), called(*e));
        return k / static_cast<double>(refs.size());
      };
    };
    auto estimate = [&](const std::string& metric, auto in) {
      int64_t n = 0;
      for (const ScoredEpisode* e : free_episodes) n += in(necessary_of(e), called(*e));
      Estimate est;
      if (free)
        est = estimate_with_ci(free_episodes, share_of(in), options.bootstrap_samples, options.seed,
                               ci_label(*free, "necessity." + metric));
      return ojson{{"n", n},
                   {"value", nullable(est.value)},
                   {"lo", est.ci ? ojson(est.ci->lo) : ojson(nullptr)},
                   {"hi", est.ci ? ojson(est.ci->hi) : ojson(nullptr)}};
    };
    ojson cells = ojson::object();
    for (const Cell& cell : kCells)
      cells[cell.name] = estimate(cell.name, [cell](bool necessary, bool call) {
        return necessary == cell.necessary && call == cell.called;
      });

    int64_t necessary = 0, benefit = 0, benefit_decided = 0, labelled = 0, agree = 0;
    ojson per_task = ojson::array();
    for (const TaskNecessity& t : all) {
      if (t.variant != variant || t.prompt_format != format) continue;
      int64_t free_n = 0, free_called = 0;
      if (free)
        for (const ScoredEpisode* e : free->episodes)
          if (e->task_id == t.task_id) {
            ++free_n;
            free_called += called(*e);
          }
      per_task.push_back({{"task_id", t.task_id},
                          {"force_text", tally_json(t.force_text)},
                          {"force_tool", tally_json(t.force_tool)},
                          {"necessary", t.necessary ? ojson(*t.necessary) : ojson(nullptr)},
                          {"benefits", t.benefits ? ojson(*t.benefits) : ojson(nullptr)},
                          {"free", {{"called", free_called}, {"episodes", free_n}}}});
      if (!t.necessary) continue;
      necessary += *t.necessary;
      benefit_decided += t.benefits.has_value();
      benefit += t.benefits.value_or(false);
      if (t.label_says_tool) {
        ++labelled;
        agree += *t.label_says_tool == *t.necessary;
      }
    }
    out.push_back({{"variant", variant},
                   {"prompt_format", format},
                   {"threshold", options.necessity_threshold},
                   {"tasks", by_task.size()},
                   {"necessary_tasks", necessary},
                   {"benefit_tasks", benefit},
                   {"benefit_decided_tasks", benefit_decided},
                   {"free_episodes", free_episodes.size()},
                   {"cells", cells},
                   {"mismatch", estimate("mismatch", [](bool necessary, bool call) { return necessary != call; })},
                   {"label_agreement",
                    {{"value", labelled ? ojson(static_cast<double>(agree) / static_cast<double>(labelled)) : ojson(nullptr)},
                     {"n", labelled}}},
                   {"per_task", per_task}});
  }
  return out;
}

}  // namespace agentcoder::evaluation
