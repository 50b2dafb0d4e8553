// Task files and the scorer: load_tasks / validate_tasks (data/task_file.h)
// and score (evaluation/scorer.h) on an answer and the tool calls that led
// to it, as `agentcoder score` scores a stored episode.
#include <string>
#include <vector>

#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/string.h>

#include "bindings.h"
#include "data/task_file.h"
#include "data/task_json.h"
#include "evaluation/scorer.h"
#include "json_convert.h"
#include "store/episode_record.h"
#include "store/results_path.h"
#include "store/results_store.h"
#include "utils/errors.h"
#include "utils/json_input.h"
#include "utils/sha256.h"
#include "utils/vocabulary.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace agentcoder::python {
namespace {

std::vector<std::string> issue_lines(const std::vector<data::Issue>& issues) {
  std::vector<std::string> out;
  for (const data::Issue& i : issues) out.push_back(i.to_string());
  return out;
}

data::Task task_of(nb::handle task) {
  nlohmann::ordered_json j = nb::isinstance<nb::str>(task)
                                 ? parse_json_input<nlohmann::ordered_json>(nb::cast<std::string>(task), "task")
                                 : from_python(task, "task");
  if (!j.is_object()) throw InputError("task: must be an object (a line of a task file)");
  std::vector<data::Issue> issues;
  std::optional<data::Task> t = data::task_from_json(j, issues);
  for (data::Issue& i : issues) i.file = "task";
  if (!t) throw InputError(issues.front().to_string());
  return *t;
}

// One tool call as Tools.call() returns it (or as an episode stores it).
store::ToolCallRecord call_of(nb::handle call, const std::string& where) {
  nlohmann::ordered_json j = from_python(call, where);
  if (!j.is_object()) throw InputError(where + ": must be a dict like Tools.call() returns");
  store::ToolCallRecord c;
  auto text = [&](const char* key, std::string& out, bool required) {
    if (!j.contains(key)) {
      if (required) throw InputError(where + ": field '" + key + "' is missing");
      return;
    }
    if (j[key].is_string()) out = j[key].get<std::string>();
    else if (std::string(key) == "arguments" && j[key].is_object()) out = j[key].dump();
    else throw InputError(where + ": field '" + key + "' must be a string");
  };
  auto flag = [&](const char* key, bool& out) {
    if (!j.contains(key)) return;
    if (!j[key].is_boolean()) throw InputError(where + ": field '" + key + "' must be a bool");
    out = j[key].get<bool>();
  };
  text("tool", c.tool, true);
  text("arguments", c.arguments, true);
  text("call_id", c.call_id, false);
  text("error_class", c.error_class, false);
  text("result", c.result, false);
  c.executed = true;  // a call given without the flag is one that ran
  flag("executed", c.executed);
  c.ok = c.executed && c.error_class.empty();
  flag("ok", c.ok);
  if (j.contains("record")) c.record = j["record"];
  if (j.contains("wall_ms") && j["wall_ms"].is_number()) c.wall_ms = j["wall_ms"].get<double>();
  return c;
}

// The episode the scorer reads: a first reply that made the calls (when
// there are any), then the answer as a text reply.
store::EpisodeRecord episode_of(const data::Task& task, const std::string& answer, nb::handle tool_calls) {
  store::EpisodeRecord e;
  // The scorer names the score by the episode's key: an answer given here
  // has no model, so its key has the hash of no bytes for one.
  e.key.task_id = task.id;
  e.key.mode = to_string(Mode::free);
  e.key.model_sha256 = sha256_hex("");
  e.final_answer = answer;
  e.stop_reason = to_string(StopReason::final_answer);
  if (!tool_calls.is_none()) {
    store::StepRecord step;
    step.reply_kind = to_string(ReplyKind::tool_call);
    size_t i = 0;
    for (nb::handle call : tool_calls) step.tool_calls.push_back(call_of(call, "tool_calls[" + std::to_string(i++) + "]"));
    if (!step.tool_calls.empty()) {
      e.first_tool = step.tool_calls.front().tool;
      e.steps.push_back(std::move(step));
    }
  }
  store::StepRecord last;
  last.reply_kind = to_string(ReplyKind::text);
  last.content = answer;
  e.steps.push_back(std::move(last));
  e.first_decision = e.steps.front().reply_kind;
  return e;
}

}  // namespace

void bind_tasks(nb::module_& m) {
  m.def(
      "load_tasks",
      [](const std::filesystem::path& file) {
        const std::string path = file.string();
        data::LoadResult r;
        {
          nb::gil_scoped_release release;
          r = data::load_tasks(path);
        }
        // The message `agentcoder data validate` ends with.
        if (r.bad_lines > 0)
          throw InputError(path + ": " + std::to_string(r.bad_lines) + " bad line(s); first: " + r.issues.front().to_string());
        nb::list out;
        for (const data::Task& t : r.tasks) out.append(to_python(data::task_to_json(t)));
        return out;
      },
      "path"_a, nb::sig("def load_tasks(path: str | os.PathLike[str]) -> list[dict[str, typing.Any]]"),
      "The tasks of a JSONL task file, each as its JSON object (the schema's fields, stable order). A bad "
      "line raises ValueError with the line `agentcoder data validate` prints; a missing file "
      "FileNotFoundError.");

  m.def(
      "validate_tasks",
      [](const std::filesystem::path& file) {
        const std::string path = file.string();
        data::LoadResult r;
        {
          nb::gil_scoped_release release;
          r = data::load_tasks(path);
        }
        nlohmann::ordered_json out{{"path", path},
                                   {"valid", r.tasks.size()},
                                   {"bad_lines", r.bad_lines},
                                   {"issues", issue_lines(r.issues)},
                                   {"warnings", issue_lines(r.warnings)}};
        return to_python(out);
      },
      "path"_a, nb::sig("def validate_tasks(path: str | os.PathLike[str]) -> dict[str, typing.Any]"),
      "Checks a task file as `agentcoder data validate` does, without raising for bad lines: {path, valid "
      "(tasks that load), bad_lines, issues, warnings}, each issue 'FILE:LINE: field 'F': why'.");

  m.def(
      "score",
      [](nb::handle task, const std::string& answer, nb::handle tool_calls, nb::handle sandbox) {
        data::Task t = task_of(task);
        store::EpisodeRecord episode = episode_of(t, answer, tool_calls);
        std::shared_ptr<sandbox::Sandbox> box = sandbox_of(sandbox);
        store::ScoreRecord s;
        {
          nb::gil_scoped_release release;
          s = evaluation::score_episode(t, episode, *box);
        }
        nlohmann::ordered_json out{{"scorer_version", s.scorer_version},
                                   {"check", s.check},
                                   {"correct", s.correct ? nlohmann::ordered_json(*s.correct) : nullptr},
                                   {"score", s.score},
                                   {"extracted_answer", s.extracted_answer},
                                   {"detail", s.detail},
                                   {"fabrication_claim", s.fabrication_claim},
                                   {"fabrication_false", s.fabrication_false ? nlohmann::ordered_json(*s.fabrication_false) : nullptr}};
        return to_python(out);
      },
      "task"_a, "answer"_a, "tool_calls"_a = nb::none(), "sandbox"_a = nb::none(),
      nb::sig("def score(task: collections.abc.Mapping[str, typing.Any] | str, answer: str, "
              "tool_calls: collections.abc.Sequence[collections.abc.Mapping[str, typing.Any]] | None = None, "
              "sandbox: Sandbox | None = None) -> dict[str, typing.Any]"),
      "Scores an answer to a task with the harness's scorer (the check the task names: exact, numeric, "
      "unit_tests, ...). task: a task object (a line of a task file, or load_tasks' dict); tool_calls: the "
      "calls made before answering, as Tools.call() returns them (their python code is what unit_tests "
      "runs). Returns {scorer_version, check, correct (None where the check gives none), score, "
      "extracted_answer, detail, fabrication_claim, fabrication_false}. Programs run in `sandbox` (None: "
      "the shared default).");

  m.def(
      "score_run",
      [](const std::filesystem::path& where, const std::string& run, const std::filesystem::path& tasks_file, int jobs,
         nb::handle sandbox) {
        if (jobs < 1) throw InputError("--jobs: must be at least 1");
        std::shared_ptr<sandbox::Sandbox> box = sandbox_of(sandbox);
        evaluation::RunScoreSummary s;
        std::vector<std::string> notes;
        {
          nb::gil_scoped_release release;
          store::ResultsStore results(store::resolve_results_file(where.string()));
          store::StoredRun r = results.pick_run(run);
          evaluation::RunScoreOptions o;
          o.tasks_file = tasks_file.string();
          o.jobs = jobs;
          s = evaluation::score_run(results, r, *box, o, [&](const std::string& line) { notes.push_back(line); });
        }
        nlohmann::ordered_json conditions = nlohmann::ordered_json::array();
        for (const auto& c : s.conditions)
          conditions.push_back({{"variant", c.variant}, {"prompt_format", c.prompt_format}, {"mode", c.mode},
                                {"n", c.n}, {"judged", c.judged}, {"correct", c.correct}});
        nlohmann::ordered_json out{{"episodes", s.episodes},       {"scored", s.scored},
                                   {"skipped", s.skipped},         {"scorer_errors", s.scorer_errors},
                                   {"conditions", conditions},     {"without_execution", s.without_execution},
                                   {"claims", s.claims},           {"checked", s.checked},
                                   {"false_claims", s.false_claims}, {"notes", notes}};
        return to_python(out);
      },
      "path"_a, "run"_a = "", "tasks_file"_a = "", "jobs"_a = 1, "sandbox"_a = nb::none(),
      nb::sig("def score_run(path: str | os.PathLike[str], run: str = '', tasks_file: str | os.PathLike[str] = '', "
              "jobs: int = 1, sandbox: Sandbox | None = None) -> dict[str, typing.Any]"),
      "Scores every episode of a stored run and stores the scores, as `agentcoder score` does (tasks from the "
      "run's snapshot, else tasks_file). Returns the summary: {episodes, scored, skipped, scorer_errors, "
      "conditions: [{variant, prompt_format, mode, n, judged, correct}], fabrication counts, notes}.");
}

}  // namespace agentcoder::python
