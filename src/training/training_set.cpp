#include "training/training_set.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "store/results_store.h"
#include "utils/errors.h"
#include "utils/sha256.h"

namespace agentcoder::training {


std::string group_id(const evaluation::ScoredEpisode& e) {
  return e.variant + "/" + e.prompt_format + "/" + e.task_id;
}

nlohmann::json TrainingSet::tools_offered(Mode mode) const {
  return mode == Mode::force_text ? nlohmann::json::array() : context.tools;
}

std::optional<BestChoice> TrainingSet::best_choice(const evaluation::ScoredEpisode& e) const {
  auto it = best_choices.find(group_id(e));
  if (it == best_choices.end()) return std::nullopt;
  return it->second;
}

const evaluation::TaskNecessity* TrainingSet::necessity_of(const evaluation::ScoredEpisode& e) const {
  auto it = necessity.find(group_id(e));
  return it == necessity.end() ? nullptr : &it->second;
}

nlohmann::ordered_json TrainingSet::necessity_columns(const evaluation::ScoredEpisode& e) const {
  using ojson = nlohmann::ordered_json;
  std::optional<BestChoice> best = best_choice(e);
  ojson necessary;
  if (best == BestChoice::tool) necessary = true;
  if (best == BestChoice::text || best == BestChoice::either) necessary = false;
  const evaluation::TaskNecessity* n = necessity_of(e);
  return {{"best_choice", best ? ojson(to_string(*best)) : ojson()},
          {"tool_necessary", necessary},
          {"needs_tool", n && n->necessary ? ojson(*n->necessary) : ojson()},
          {"tool_benefits", n && n->benefits ? ojson(*n->benefits) : ojson()}};
}

void compute_best_choices(TrainingSet& set) {
  // The forced modes' tallies per variant, format and task come from the
  // one definition of necessity (evaluation/necessity.h).
  std::vector<evaluation::ScoredEpisode> scored;
  scored.reserve(set.episodes.size());
  for (const TrainingEpisode& t : set.episodes) scored.push_back(t.scored);
  set.best_choices.clear();
  set.necessity.clear();
  for (evaluation::TaskNecessity& n : evaluation::task_necessity(scored, set.necessity_threshold)) {
    const std::string group = n.variant + "/" + n.prompt_format + "/" + n.task_id;  // group_id()
    std::optional<double> tool = n.force_tool.share(), text = n.force_text.share();
    if (tool && text) set.best_choices[group] = evaluation::best_choice(*tool, *text);
    set.necessity[group] = std::move(n);
  }
}

TrainingSet load_training_set(store::ResultsStore& store, const store::StoredRun& run, PromptContext context) {
  TrainingSet set;
  set.run = run;
  set.context = std::move(context);
  const std::string tools_sha256 = sha256_hex(set.context.tools.dump());
  std::map<std::string, nlohmann::ordered_json> knobs;
  std::set<std::string> own_functions;  // tasks posed with their own functions (BFCL)
  for (const store::StoredTask& task : store.tasks(run.run_id)) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(task.task_json, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("prompt") || !j["prompt"].is_string())
      throw InputError(store.path() + ": run '" + run.record.name + "': task '" + task.task_id +
                       "' in the task snapshot has no prompt");
    set.task_prompts[task.task_id] = j["prompt"].get<std::string>();
    nlohmann::ordered_json k = j.value("knobs", nlohmann::ordered_json::object());
    if (k.empty() && j.contains("generator") && j["generator"].is_object())
      k = j["generator"].value("knobs", nlohmann::ordered_json::object());
    knobs[task.task_id] = k;
    if (j.contains("functions") && j["functions"].is_array() && !j["functions"].empty()) own_functions.insert(task.task_id);
  }

  std::vector<evaluation::ScoredEpisode> scored = evaluation::load_scored_episodes(store, run);
  for (evaluation::ScoredEpisode& e : scored) {
    std::optional<store::StoredEpisode> stored = store.get_episode(run.run_id, e.key_id);
    if (!stored) throw std::runtime_error(store.path() + ": episode " + e.key_id + " vanished while reading");
    const std::string where = store.path() + ": episode " + e.key_id.substr(0, 12) + " (task '" + e.task_id + "')";
    if (!set.task_prompts.count(e.task_id)) throw InputError(where + ": its task is not in the run's task snapshot");
    // The hallucination modes (no tool, or only an irrelevant one) measure;
    // they are no training data.
    if (e.mode == Mode::no_tools || e.mode == Mode::distractor) continue;
    if (own_functions.count(e.task_id))
      throw InputError(where + ": its task offers its own functions (BFCL), which the exports do not cover yet");
    if (!set.context.system_prompts.count(e.prompt_format))
      throw InputError(where + ": no system prompt for prompt format '" + e.prompt_format + "'");
    const std::string& recorded = stored->record.key.tool_schema_sha256;
    if (!recorded.empty() && recorded != tools_sha256)
      throw InputError(where + ": the tool schemas given are not the ones offered to it (sha256 " + tools_sha256.substr(0, 12) +
                       ", the episode's " + recorded.substr(0, 12) + "): rebuild them from the run's own config");
    nlohmann::ordered_json task_knobs = knobs[e.task_id];
    const std::string& prompt_sha256 = stored->record.key.prompt_sha256;
    // Keys before harness version 1 hashed something else into prompt_sha256.
    const bool verifiable = set.context.first_turn && !prompt_sha256.empty() && stored->record.key.harness_version >= 1;
    set.unverified_first_turns += !verifiable;
    if (verifiable &&
        sha256_hex(set.context.first_turn(e.variant, e.prompt_format, e.mode, set.task_prompts[e.task_id])) != prompt_sha256)
      throw InputError(where + ": its first turn, rebuilt from the config's prompt format '" + e.prompt_format +
                       "', tools and model template, is not the one it was run with (prompt_sha256 " +
                       prompt_sha256.substr(0, 12) + "): was a prompt file edited since?");
    set.episodes.push_back({std::move(e), std::move(*stored), std::move(task_knobs)});
  }
  auto order = [](const TrainingEpisode& t) {
    const evaluation::ScoredEpisode& e = t.scored;
    return std::make_tuple(std::cref(e.variant), std::cref(e.prompt_format), std::cref(e.task_id), static_cast<int>(e.mode),
                           t.stored.record.key.seed, std::cref(e.key_id));
  };
  std::sort(set.episodes.begin(), set.episodes.end(),
            [&](const TrainingEpisode& a, const TrainingEpisode& b) { return order(a) < order(b); });
  compute_best_choices(set);
  return set;
}

}  // namespace agentcoder::training
