#include "data/verifier.h"

#include <map>

#include "data/generator.h"
#include "data/reference_runner.h"
#include "data/task_json.h"
#include "data/template.h"

namespace agentcoder::data {
namespace {

using json = nlohmann::ordered_json;

// The fields that make up the ground truth, as JSON, for comparison.
json ground_truth_fields(const Task& t) {
  json full = task_to_json(t);
  json out = json::object();
  for (const char* key : {"check", "ground_truth_output", "answer", "abs_tol", "rel_tol", "tests", "test_setup",
                          "entry_point", "rubric", "expected_tools", "reference_solution", "checker"})
    out[key] = full.contains(key) ? full[key] : json(nullptr);
  return out;
}

}  // namespace

std::string solution_check_program(const Task& task) {
  return task.reference_solution + "\n" + task.test_setup + "\n" + task.tests + "\n";
}

std::string answer_check_program(const Task& task) {
  return task.checker + "\n\nif check(" + python_literal(json(task.ground_truth_output)) +
         ") is not True:\n    raise SystemExit('the checker rejects the stored answer')\n";
}

namespace {
bool executable_import(const Task& t) {
  return (!t.reference_solution.empty() && !t.tests.empty()) ||
         (t.check == Check::answer_check && !t.ground_truth_output.empty());
}
}  // namespace

VerifyReport verify_tasks(const std::vector<Task>& tasks, const std::vector<int>& lines, const std::string& file,
                          const std::vector<Family>& families, sandbox::Sandbox& sandbox, int jobs) {
  VerifyReport report;
  auto problem = [&](size_t i, const std::string& field, const std::string& message) {
    report.problems.push_back(Issue{file, i < lines.size() ? lines[i] : 0, field, message});
  };
  std::map<std::string, const Family*> by_id;
  for (const auto& f : families) by_id[f.id] = &f;

  std::map<const Family*, std::vector<size_t>> generated;  // family -> task indexes
  std::vector<size_t> imported;
  std::vector<bool> failed(tasks.size(), false);
  for (size_t i = 0; i < tasks.size(); ++i) {
    const Task& t = tasks[i];
    if (!t.generator.family.empty()) {
      ++report.checked;
      auto it = by_id.find(t.generator.family);
      if (it == by_id.end()) {
        problem(i, "generator.family", "no family '" + t.generator.family + "'");
        failed[i] = true;
      } else if (it->second->reference_sha256 != t.generator.reference_sha256) {
        problem(i, "generator.reference_sha256",
                "the family's reference changed (now " + it->second->reference_sha256.substr(0, 12) + ")");
        failed[i] = true;
      } else {
        generated[it->second].push_back(i);
      }
    } else if (executable_import(t)) {
      ++report.checked;
      imported.push_back(i);
    } else {
      ++report.skipped;
    }
  }

  std::vector<ReferenceJob> jobs_list;
  std::vector<const std::vector<size_t>*> members;
  for (const auto& [family, indexes] : generated) {
    ReferenceJob job{family, {}};
    for (size_t i : indexes) job.params.push_back(tasks[i].generator.params);
    jobs_list.push_back(std::move(job));
    members.push_back(&indexes);
  }
  RunnerOptions options;
  options.jobs = jobs;
  auto outcomes = run_references(sandbox, jobs_list, options);
  for (size_t j = 0; j < jobs_list.size(); ++j) {
    for (size_t k = 0; k < outcomes[j].size(); ++k) {
      size_t i = (*members[j])[k];
      const ReferenceOutcome& o = outcomes[j][k];
      if (!o.ok) {
        problem(i, "generator.params", "the reference failed: " + o.error);
        failed[i] = true;
        continue;
      }
      Task rebuilt = tasks[i];
      try {
        apply_reference_output(*jobs_list[j].family, o.out, rebuilt);
      } catch (const std::invalid_argument& e) {
        problem(i, "generator", e.what());
        failed[i] = true;
        continue;
      }
      json stored = ground_truth_fields(tasks[i]), fresh = ground_truth_fields(rebuilt);
      for (const auto& [key, value] : stored.items()) {
        if (value != fresh[key]) {
          std::string shown = fresh[key].dump();
          if (shown.size() > 80) shown = shown.substr(0, 77) + "...";
          problem(i, key, "differs from the reference's " + shown);
          failed[i] = true;
        }
      }
    }
  }

  std::vector<std::string> programs;
  for (size_t i : imported)
    programs.push_back(tasks[i].check == Check::answer_check ? answer_check_program(tasks[i])
                                                             : solution_check_program(tasks[i]));
  auto reasons = run_checks(sandbox, programs, jobs);
  for (size_t n = 0; n < imported.size(); ++n) {
    if (!reasons[n].empty()) {
      if (tasks[imported[n]].check == Check::answer_check)
        problem(imported[n], "ground_truth_output", "rejected by the checker: " + reasons[n]);
      else
        problem(imported[n], "reference_solution", "fails its tests: " + reasons[n]);
      failed[imported[n]] = true;
    }
  }
  for (size_t i = 0; i < tasks.size(); ++i)
    if (failed[i]) continue;
    else if (!tasks[i].generator.family.empty() || executable_import(tasks[i]))
      ++report.passed;
  return report;
}

}  // namespace agentcoder::data
