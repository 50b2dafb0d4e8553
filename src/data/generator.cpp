#include "data/generator.h"

#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>

#include "data/augment.h"
#include "data/param_sampler.h"
#include "data/rng.h"
#include "data/task_json.h"
#include "data/template.h"

namespace agentcoder::data {
namespace {

using json = nlohmann::ordered_json;

std::string text_of(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string optional_string(const json& out, const char* key) {
  if (!out.contains(key) || out[key].is_null()) return "";
  if (!out[key].is_string()) throw std::invalid_argument(std::string("'") + key + "' must be a string");
  return out[key].get<std::string>();
}

// Extra candidates drawn per task asked for, so duplicates can be dropped.
int candidates_for(int quota, int round) { return quota + quota / 2 + 2 + round * (quota + 2); }

// One family at one difficulty level, with the tasks it owes its cell.
struct LevelQuota {
  const Family* family;
  Difficulty difficulty;
  int quota;
  int drawn = 0;  // candidates drawn so far
  std::vector<Task> accepted;
};

// Spreads each category x difficulty cell's per_cell tasks over the
// category's families; families in id order.
std::vector<LevelQuota> plan_quotas(const std::vector<Family>& families, int per_cell) {
  std::vector<LevelQuota> levels;
  for (Category c : kCategories) {
    std::vector<const Family*> members;
    for (const auto& f : families)
      if (f.category == c) members.push_back(&f);
    if (members.empty()) continue;
    const int n = static_cast<int>(members.size());
    for (Difficulty d : kDifficulties) {
      const int base = per_cell / n, extra = per_cell % n;
      const int offset = static_cast<int>(d) * extra;  // rotate who gets the remainder
      for (int i = 0; i < n; ++i) {
        int quota = base + (((i - offset) % n + n) % n < extra ? 1 : 0);
        if (quota > 0) levels.push_back(LevelQuota{members[i], d, quota, 0, {}});
      }
    }
  }
  return levels;
}

// The candidates of one round: a reference job per quota not yet met, and
// the seed each candidate's parameters were drawn with.
struct Round {
  std::vector<ReferenceJob> jobs;
  std::vector<LevelQuota*> level;           // per job
  std::vector<std::vector<uint64_t>> seeds;  // per job, per candidate
};

Round draw_round(std::vector<LevelQuota>& levels, int round, uint64_t seed) {
  Round r;
  for (auto& l : levels) {
    int missing = l.quota - static_cast<int>(l.accepted.size());
    if (missing <= 0) continue;
    ReferenceJob job{l.family, {}};
    std::vector<uint64_t> job_seeds;
    for (int k = 0; k < candidates_for(missing, round); ++k, ++l.drawn) {
      uint64_t candidate_seed =
          derive_seed(seed, l.family->id + "/" + to_string(l.difficulty) + "/" + std::to_string(l.drawn));
      try {
        job.params.push_back(sample_params(l.family->level(l.difficulty).params, candidate_seed));
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(l.family->origin + ": level " + to_string(l.difficulty) + ": " + e.what());
      }
      job_seeds.push_back(candidate_seed);
    }
    r.jobs.push_back(std::move(job));
    r.level.push_back(&l);
    r.seeds.push_back(std::move(job_seeds));
  }
  return r;
}

// Builds a task from each candidate whose reference ran, up to its level's
// quota, dropping duplicate prompts. Returns the reference failures.
std::vector<std::string> accept_candidates(Round& r, const std::vector<std::vector<ReferenceOutcome>>& outcomes,
                                           double distractor_rate, std::set<std::string>& seen, GenerateReport& rep) {
  std::vector<std::string> failures;
  for (size_t j = 0; j < r.jobs.size(); ++j) {
    LevelQuota& l = *r.level[j];
    for (size_t k = 0; k < outcomes[j].size(); ++k) {
      ++rep.candidates;
      const ReferenceOutcome& o = outcomes[j][k];
      if (!o.ok) {
        failures.push_back(l.family->origin + ": reference failed on " + r.jobs[j].params[k].dump() + ": " + o.error);
        continue;
      }
      if (static_cast<int>(l.accepted.size()) >= l.quota) continue;
      Task t;
      try {
        t = build_task(*l.family, l.difficulty, r.jobs[j].params[k], o.out, r.seeds[j][k], distractor_rate);
      } catch (const std::invalid_argument& e) {
        failures.push_back(l.family->origin + ": " + e.what());
        continue;
      }
      if (!seen.insert(normalise_prompt(t.prompt)).second) {
        ++rep.duplicates;
        continue;
      }
      l.accepted.push_back(std::move(t));
    }
  }
  return failures;
}

// Gives the accepted tasks their ids (<family>.<level initial><NNN>, in
// order) and checks each; reports the levels that fell short.
std::vector<Task> number_tasks(std::vector<LevelQuota>& levels, GenerateReport& rep) {
  std::vector<Task> tasks;
  std::map<std::string, int> counters;
  for (auto& l : levels) {
    if (static_cast<int>(l.accepted.size()) < l.quota)
      rep.short_cells.push_back(l.family->id + "/" + to_string(l.difficulty) + ": " +
                                std::to_string(l.accepted.size()) + " of " + std::to_string(l.quota));
    for (auto& t : l.accepted) {
      const std::string prefix = l.family->id + "." + to_string(l.difficulty).substr(0, 1);
      char buf[16];
      std::snprintf(buf, sizeof buf, "%03d", counters[prefix]++);
      t.id = prefix + buf;
      std::vector<Issue> issues;
      validate_task(t, issues);
      if (!issues.empty())
        throw std::runtime_error(l.family->origin + ": generated an invalid task: " + issues.front().to_string());
      tasks.push_back(std::move(t));
    }
  }
  return tasks;
}

}  // namespace

void apply_reference_output(const Family& family, const json& out, Task& task) {
  task.check = family.check;
  task.abs_tol = out.contains("abs_tol") ? out["abs_tol"].get<double>() : family.abs_tol;
  task.rel_tol = out.contains("rel_tol") ? out["rel_tol"].get<double>() : family.rel_tol;
  task.tests = optional_string(out, "tests");
  task.test_setup = optional_string(out, "test_setup");
  task.entry_point = optional_string(out, "entry_point");
  task.reference_solution = optional_string(out, "solution");
  task.ground_truth_output = out.contains("answer") ? text_of(out["answer"]) : "";
  task.answer.reset();
  task.rubric.clear();
  task.expected_tools = family.expected_tools;
  switch (family.check) {
    case Check::exact:
      if (!out.contains("answer")) throw std::invalid_argument("an exact family must return 'answer'");
      break;
    case Check::numeric:
      if (!out.contains("answer") || !out["answer"].is_number())
        throw std::invalid_argument("a numeric family must return a number 'answer'");
      task.answer = out["answer"].get<double>();
      if (out.contains("display")) task.ground_truth_output = text_of(out["display"]);
      break;
    case Check::unit_tests:
      if (task.tests.empty()) throw std::invalid_argument("a unit_tests family must return 'tests'");
      break;
    case Check::rubric: {
      if (!out.contains("rubric") || !out["rubric"].is_array())
        throw std::invalid_argument("a rubric family must return a 'rubric' list");
      for (const auto& p : out["rubric"]) {
        RubricPoint rp;
        rp.point = p.value("point", std::string());
        for (const auto& a : p.value("any_of", json::array())) rp.any_of.push_back(text_of(a));
        task.rubric.push_back(rp);
      }
      break;
    }
    case Check::final_state:
      if (task.tests.empty() && task.ground_truth_output.empty())
        throw std::invalid_argument("a final_state family must return 'tests' or 'answer'");
      break;
    default:
      throw std::invalid_argument("unsupported check kind");
  }
}

Task build_task(const Family& family, Difficulty difficulty, const json& params, const json& out, uint64_t seed,
                double distractor_rate) {
  Task t;
  t.category = family.category;
  t.difficulty = difficulty;
  t.optimal_tool = family.optimal_tool;
  t.alternative_tools = family.alternative_tools;
  t.reasoning = family.reasoning;
  t.source = "synthetic";
  t.split = family.split;
  apply_reference_output(family, out, t);

  json context = params;
  if (out.contains("vars")) {
    if (!out["vars"].is_object()) throw std::invalid_argument("'vars' must be a dict");
    for (const auto& [k, v] : out["vars"].items()) context[k] = v;
  }
  Rng rng(derive_seed(seed, "augment"));
  GeneratorInfo& g = t.generator;
  g.family = family.id;
  g.kind = family.kind;
  g.trap = family.trap;
  g.params = params;
  g.reference_sha256 = family.reference_sha256;
  g.phrasing = static_cast<int>(rng.below(family.phrasings.size()));
  std::string prompt = render_template(family.phrasings[g.phrasing], context);

  std::vector<std::string> distractors = family.distractors;
  for (const auto& d : generic_distractors()) distractors.push_back(d);
  if (rng.chance(distractor_rate)) {
    size_t i = rng.below(distractors.size());
    prompt = render_template(distractors[i], context) + "\n\n" + prompt;
    g.augmentations.push_back("distractor:" + std::to_string(i));
  }
  // A task whose only ground truth is code (tests) gets no answer-format line.
  const Check format_kind = t.ground_truth_output.empty() ? Check::unit_tests : family.check;
  const auto& formats = family.formats.empty() ? default_formats(format_kind) : family.formats;
  size_t f = rng.below(formats.size());
  if (!formats[f].empty()) {
    prompt += (prompt.back() == '\n' ? "" : "\n") + render_template(formats[f], context);
    g.augmentations.push_back("format:" + std::to_string(f));
  }
  t.prompt = prompt;

  for (const auto& knob : family.knobs) {
    const json& v = params[knob];
    if (!v.is_number()) throw std::invalid_argument("knob '" + knob + "' is not a number: " + v.dump());
    g.knobs[knob] = v;
  }
  if (out.contains("knobs"))
    for (const auto& [k, v] : out["knobs"].items()) {
      if (!v.is_number()) throw std::invalid_argument("knob '" + k + "' is not a number");
      g.knobs[k] = v;
    }
  return t;
}

std::vector<Task> generate(const std::vector<Family>& families, sandbox::Sandbox& sandbox,
                           const GenerateOptions& options, GenerateReport* report) {
  if (options.per_cell < 1) throw std::invalid_argument("per_cell must be at least 1");
  GenerateReport local;
  GenerateReport& rep = report ? *report : local;

  std::vector<LevelQuota> levels = plan_quotas(families, options.per_cell);
  std::set<std::string> seen;
  for (int round = 0; round < 4; ++round) {
    Round r = draw_round(levels, round, options.seed);
    if (r.jobs.empty()) break;
    RunnerOptions runner;
    runner.jobs = options.jobs;
    auto outcomes = run_references(sandbox, r.jobs, runner);
    std::vector<std::string> failures = accept_candidates(r, outcomes, options.distractor_rate, seen, rep);
    if (!failures.empty())
      throw std::runtime_error(std::to_string(failures.size()) + " reference failure(s); first: " + failures.front());
  }
  return number_tasks(levels, rep);
}

}  // namespace agentcoder::data
