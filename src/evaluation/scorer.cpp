#include "evaluation/scorer.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <tuple>
#include <stdexcept>
#include <thread>

#include "data/task_file.h"
#include "data/task_json.h"
#include "data/template.h"
#include "data/verifier.h"
#include "evaluation/answer_extract.h"
#include "evaluation/fabrication.h"
#include "utils/errors.h"
#include "utils/regex.h"
#include "utils/utf8.h"
#include "utils/vocabulary.h"

namespace agentcoder::evaluation {
namespace {

using json = nlohmann::json;

// What one check concluded.
struct Verdict {
  std::optional<bool> correct;
  double score = 0;
  std::string extracted;
};

void set_binary(Verdict& v, bool correct) {
  v.correct = correct;
  v.score = correct ? 1 : 0;
}

// exact: the first candidate (in priority order) equal to the truth.
bool exact_match(const std::string& answer, const std::string& truth, json& detail, std::string* extracted) {
  // An empty truth would equal any candidate that normalises to nothing.
  if (normalize_answer(truth).empty()) throw std::runtime_error("the task's ground_truth_output is empty");
  std::vector<AnswerCandidate> candidates = answer_candidates(answer);
  json list = json::array();
  for (const AnswerCandidate& c : candidates) list.push_back({{"source", c.source}, {"text", clip_tail(c.text, 400)}});
  detail["candidates"] = list;
  detail["expected"] = clip_tail(truth, 400);
  detail["expected_normalized"] = clip_tail(normalize_answer(truth), 400);
  detail["matched"] = nullptr;
  // A candidate and a truth that are both one number compare as numbers, so
  // that "1,000,000" equals "1000000" (and "5,050" equals "5050").
  std::optional<double> truth_number = parse_number(truth);
  for (const AnswerCandidate& c : candidates) {
    bool equal = answers_equal(c.text, truth);
    if (!equal && truth_number) {
      std::optional<double> n = parse_number(c.text);
      equal = n && *n == *truth_number;
    }
    if (equal) {
      detail["matched"] = {{"source", c.source}, {"text", clip_tail(c.text, 400)}};
      *extracted = c.text;
      return true;
    }
  }
  if (!candidates.empty()) *extracted = candidates.front().text;
  return false;
}

Verdict check_exact(const data::Task& task, const store::EpisodeRecord& episode, json& detail) {
  Verdict v;
  set_binary(v, exact_match(episode.final_answer, task.ground_truth_output, detail, &v.extracted));
  return v;
}

Verdict check_numeric(const data::Task& task, const store::EpisodeRecord& episode, json& detail) {
  if (!task.answer) throw std::runtime_error("the task has no numeric answer");
  std::vector<NumberCandidate> numbers = number_candidates(answer_candidates(episode.final_answer));
  json list = json::array();
  for (const NumberCandidate& n : numbers)
    list.push_back({{"source", n.source}, {"text", clip_tail(n.number.text, 200)}, {"value", n.number.value}});
  detail["numbers"] = list;
  detail["expected"] = *task.answer;
  detail["abs_tol"] = task.abs_tol;
  detail["rel_tol"] = task.rel_tol;
  detail["matched"] = nullptr;
  Verdict v;
  set_binary(v, false);
  for (const NumberCandidate& n : numbers) {
    if (within_tolerance(n.number.value, *task.answer, task.abs_tol, task.rel_tol)) {
      detail["matched"] = {{"source", n.source}, {"text", n.number.text}, {"value", n.number.value}};
      v.extracted = n.number.text;
      set_binary(v, true);
      return v;
    }
  }
  if (!numbers.empty()) v.extracted = numbers.front().number.text;
  return v;
}

std::optional<std::string> python_code_of(const store::ToolCallRecord& call) {
  if (data::canonical_tool(call.tool) != "python") return std::nullopt;
  json args = json::parse(call.arguments, nullptr, false);
  if (!args.is_object() || !args.contains("code") || !args["code"].is_string()) return std::nullopt;
  return args["code"].get<std::string>();
}

// Printed after the tests; a run passes only when it exits 0 AND this is
// the last line of its stdout.
constexpr const char* kTestsCompleted = "@@agentcoder-tests-completed-7f3c91e2a85d";

std::string last_stdout_line(const std::string& out) {
  size_t end = out.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return "";
  size_t nl = out.rfind('\n', end);
  size_t begin = nl == std::string::npos ? 0 : nl + 1;
  std::string line = out.substr(begin, end + 1 - begin);
  size_t b = line.find_first_not_of(" \t\r");
  return b == std::string::npos ? "" : line.substr(b);
}

// The model's code, then test_setup and tests, then the completion marker.
// Model code that ends the program (sys.exit(0), exit(), a main guard's
// sys.exit(main())) would otherwise exit 0 before any assert ran. Two
// guards, because each alone has a hole:
//  - the model's code runs through exec() inside try/except SystemExit, so
//    a script that exits at its end still gets tested (it is not failed for
//    the habit) and its exit status does not decide;
//  - the marker is written after the tests with os.write on fd 1 (past any
//    sys.stdout the code replaced) and must be stdout's last line, so that
//    os._exit(0), a killed interpreter or an exit in test_setup cannot pass.
//    The model cannot print it first: it is not in any prompt, and output
//    after it (a line the tests print after a fake) would not end with it.
// exec() also gives the code its own compile unit, so a `from __future__`
// import in it stays legal; its names land in the module's globals, where
// test_setup and tests see them as before.
std::string unit_test_program(const std::string& code, const data::Task& task) {
  return "import sys as _ac_sys, os as _ac_os\n"
         "try:\n"
         "    exec(compile(" + data::python_literal(nlohmann::ordered_json(code)) + ", '<solution>', 'exec'), globals())\n"
         "except SystemExit:\n"
         "    pass\n" +
         task.test_setup + "\n" + task.tests + "\n"
         "try:\n"
         "    _ac_sys.stdout.flush()\n"
         "except BaseException:\n"
         "    pass\n"
         "_ac_os.write(1, b'\\n" + std::string(kTestsCompleted) + "\\n')\n";
}

// Runs the model's final code with the task's tests; true when the tests ran
// to the end and the program exited 0.
bool run_unit_tests(const data::Task& task, const store::EpisodeRecord& episode, sandbox::Sandbox& sandbox,
                    const ScorerOptions& options, json& detail, std::string* extracted) {
  FinalCode code = final_code(episode);
  detail["code_source"] = code.source;
  if (code.step >= 0) detail["code_step"] = code.step;
  if (code.source == "none") {
    detail["tests_run"] = false;
    return false;
  }
  detail["code"] = clip_tail(code.code, 2000);
  *extracted = code.code;
  sandbox::ExecRequest request;
  request.code = unit_test_program(code.code, task);
  request.limits = options.limits;
  sandbox::ExecResult r = sandbox.run(request);
  detail["tests_run"] = true;
  bool completed = last_stdout_line(r.stdout_data) == kTestsCompleted;
  if (completed) {  // the marker is ours: the tail shows the program's own output
    size_t at = r.stdout_data.rfind(std::string("\n") + kTestsCompleted);
    if (at != std::string::npos) r.stdout_data.resize(at);
  }
  detail["run"] = exec_summary(r);
  if (r.succeeded() && !completed) detail["note"] = "exited 0 before the tests finished: counted as failed";
  return r.succeeded() && completed;
}

Verdict check_unit_tests(const data::Task& task, const store::EpisodeRecord& episode, sandbox::Sandbox& sandbox,
                         const ScorerOptions& options, json& detail) {
  if (task.tests.empty()) throw std::runtime_error("the task has no tests");
  Verdict v;
  set_binary(v, run_unit_tests(task, episode, sandbox, options, detail, &v.extracted));
  return v;
}

Verdict check_rubric(const data::Task& task, const store::EpisodeRecord& episode, json& detail) {
  if (task.rubric.empty()) throw std::runtime_error("the task has no rubric points");
  json points = json::array();
  int matched = 0;
  for (size_t i = 0; i < task.rubric.size(); ++i) {
    const data::RubricPoint& p = task.rubric[i];
    json point = {{"point", p.point}, {"matched", false}};
    for (const std::string& pattern : p.any_of) {
      std::string error;
      std::optional<Regex> re = Regex::compile(pattern, /*case_insensitive=*/true, &error);
      if (!re)
        throw std::runtime_error("rubric point " + std::to_string(i + 1) + ": invalid regex '" + pattern + "': " + error);
      if (std::optional<std::string> m = re->search(episode.final_answer)) {
        point["matched"] = true;
        point["pattern"] = pattern;
        point["text"] = clip_tail(*m, 200);
        ++matched;
        break;
      }
    }
    points.push_back(point);
  }
  detail["points"] = points;
  detail["matched_points"] = matched;
  Verdict v;
  v.score = static_cast<double>(matched) / static_cast<double>(task.rubric.size());
  v.correct = matched == static_cast<int>(task.rubric.size());
  v.extracted = episode.final_answer;
  return v;
}

// The tools whose calls ran, in order, by their canonical names.
std::vector<std::string> tools_that_ran(const store::EpisodeRecord& episode) {
  std::vector<std::string> out;
  for (const store::StepRecord& step : episode.steps)
    for (const store::ToolCallRecord& call : step.tool_calls)
      if (call.executed) out.push_back(data::canonical_tool(call.tool));
  return out;
}

bool is_subsequence(const std::vector<std::string>& wanted, const std::vector<std::string>& seen) {
  size_t i = 0;
  for (const std::string& s : seen)
    if (i < wanted.size() && s == data::canonical_tool(wanted[i])) ++i;
  return i == wanted.size();
}

// The outcome only: is the final state (tests) and the answer (output) right?
// How the episode got there is the process (process_json), kept apart.
Verdict check_final_state(const data::Task& task, const store::EpisodeRecord& episode, sandbox::Sandbox& sandbox,
                          const ScorerOptions& options, json& detail) {
  if (task.tests.empty() && task.ground_truth_output.empty())
    throw std::runtime_error("the task has no final state to check (tests, ground_truth_output)");
  bool all = true;
  Verdict v;
  json parts = json::object();
  if (!task.tests.empty()) {
    json d = json::object();
    bool ok = run_unit_tests(task, episode, sandbox, options, d, &v.extracted);
    d["holds"] = ok;
    parts["tests"] = d;
    all &= ok;
  }
  if (!task.ground_truth_output.empty()) {
    json d = json::object();
    std::string extracted;
    bool ok = exact_match(episode.final_answer, task.ground_truth_output, d, &extracted);
    d["holds"] = ok;
    parts["output"] = d;
    v.extracted = extracted;  // the answer is what a reader compares first
    all &= ok;
  }
  detail["parts"] = parts;
  set_binary(v, all);
  return v;
}

Verdict check_answer(const data::Task& task, const store::EpisodeRecord& episode, sandbox::Sandbox& sandbox,
                     const ScorerOptions& options, json& detail) {
  if (task.checker.empty()) throw std::runtime_error("the task has no checker");
  // The verifier's program, asked about the model's answer instead of the stored one.
  data::Task asked = task;
  asked.ground_truth_output = episode.final_answer;
  sandbox::ExecRequest request;
  request.code = data::answer_check_program(asked);
  request.limits = options.limits;
  sandbox::ExecResult r = sandbox.run(request);
  detail["run"] = exec_summary(r);
  if (r.timed_out) detail["note"] = "the checker timed out: counted as not accepted";
  Verdict v;
  set_binary(v, r.succeeded());
  std::vector<AnswerCandidate> candidates = answer_candidates(episode.final_answer);
  v.extracted = candidates.empty() ? "" : candidates.front().text;
  return v;
}

// BFCL's string comparison: case, spaces and , . / - _ * ^ do not count.
std::string bfcl_string(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == ',' || c == '.' || c == '/' || c == '-' || c == '_' || c == '*' || c == '^') continue;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : (c == '\'' ? '"' : c);
  }
  return out;
}

bool arguments_match(const json& given, const json& allowed);

bool value_matches(const json& given, const json& option) {
  if (given.is_number() && option.is_number()) return given.get<double>() == option.get<double>();
  if (given.is_string() && option.is_string()) return bfcl_string(given.get<std::string>()) == bfcl_string(option.get<std::string>());
  if (given.is_boolean() && option.is_boolean()) return given == option;
  if (given.is_null() && option.is_null()) return true;
  if (given.is_array() && option.is_array()) {
    if (given.size() != option.size()) return false;
    for (size_t i = 0; i < given.size(); ++i)
      if (!value_matches(given[i], option[i])) return false;
    return true;
  }
  if (given.is_object() && option.is_object()) return arguments_match(given, option);
  return false;
}

// `allowed` maps each parameter to its list of acceptable values; "" in the
// list marks a parameter that may be left out (BFCL's possible answers).
bool arguments_match(const json& given, const json& allowed) {
  for (const auto& [name, value] : given.items()) {
    if (!allowed.contains(name)) return false;
    const json& options = allowed[name];
    bool ok = false;
    if (options.is_array()) {
      for (const json& o : options) ok = ok || value_matches(value, o);
    } else {
      ok = value_matches(value, options);
    }
    if (!ok) return false;
  }
  for (const auto& [name, options] : allowed.items()) {
    if (given.contains(name)) continue;
    bool optional = options.is_array() && std::any_of(options.begin(), options.end(), [](const json& o) {
                      return o.is_string() && o.get<std::string>().empty();
                    });
    if (!optional) return false;
  }
  return true;
}

bool same_function(const std::string& called, const std::string& expected) {
  if (called == expected) return true;
  // Tool names may not contain dots in some chat formats: math.factorial -> math_factorial.
  std::string a = called, b = expected;
  std::replace(a.begin(), a.end(), '.', '_');
  std::replace(b.begin(), b.end(), '.', '_');
  return a == b;
}

Verdict check_call_match(const data::Task& task, const store::EpisodeRecord& episode, json& detail) {
  if (!task.expected_calls.is_array() || task.expected_calls.empty())
    throw std::runtime_error("the task has no expected_calls");
  detail["expected_calls"] = task.expected_calls;
  json calls = json::array();
  Verdict v;
  set_binary(v, false);
  for (size_t s = 0; s < episode.steps.size(); ++s) {
    // A reply that did not parse as a whole is an attempt, never a call,
    // even where some of its calls parsed.
    const bool malformed = episode.steps[s].reply_kind == to_string(ReplyKind::malformed);
    for (const store::ToolCallRecord& call : episode.steps[s].tool_calls) {
      json seen = {{"step", s}, {"tool", call.tool}, {"arguments", clip_tail(call.arguments, 400)}, {"matched", false}};
      json args = json::parse(call.arguments, nullptr, false);
      if (malformed) {
        seen["why"] = "the reply is a malformed call attempt";
      } else if (!args.is_object()) {
        seen["why"] = "arguments are not a JSON object";
      } else {
        bool named = false;
        for (const auto& expected : task.expected_calls) {
          if (!expected.is_object()) continue;
          for (const auto& [function, allowed] : expected.items()) {
            if (!same_function(call.tool, function)) continue;
            named = true;
            if (allowed.is_object() && arguments_match(args, allowed)) seen["matched"] = true;
          }
        }
        if (!named) seen["why"] = "not an expected function";
        else if (!seen["matched"].get<bool>()) seen["why"] = "arguments differ";
      }
      if (seen["matched"].get<bool>() && !v.correct.value_or(false)) {
        set_binary(v, true);
        v.extracted = call.tool + "(" + call.arguments + ")";
      }
      calls.push_back(seen);
    }
  }
  detail["calls"] = calls;
  return v;
}

// BFCL irrelevance: the first reply decides. Its outcome, in detail:
// "call" (some call parsed: wrong, whichever function it names),
// "malformed" (an attempt that did not parse: wrong, never an abstention),
// "abstention" (a text reply with no call and no attempt: right), or
// "no_reply" (the episode ended before any reply: wrong, as an empty answer
// is for the other checks).
Verdict check_abstain(const store::EpisodeRecord& episode, json& detail) {
  std::string outcome = "no_reply";
  if (!episode.steps.empty()) {
    const store::StepRecord& first = episode.steps.front();
    if (first.reply_kind == to_string(ReplyKind::malformed)) outcome = "malformed";
    else if (first.reply_kind == to_string(ReplyKind::tool_call) || !first.tool_calls.empty()) outcome = "call";
    else if (first.reply_kind == to_string(ReplyKind::text)) outcome = "abstention";
    else throw std::runtime_error("the first reply's kind '" + first.reply_kind + "' is unknown");
    if (!first.tool_calls.empty()) detail["first_tool"] = first.tool_calls.front().tool;
  }
  detail["outcome"] = outcome;
  Verdict v;
  set_binary(v, outcome == "abstention");
  v.extracted = outcome == "abstention" ? episode.final_answer : "";
  return v;
}

Verdict check_decision(const store::EpisodeRecord& episode, json& detail) {
  detail["first_decision"] = episode.first_decision;
  detail["first_tool"] = episode.first_tool;
  detail["optimal_tool"] = episode.optimal_tool;
  return Verdict{};  // correct stays nullopt: only decision metrics apply
}

std::string exec_status(const sandbox::ExecResult& r) {
  if (r.timed_out) return "timeout";
  if (r.oom_killed) return "memory";
  if (r.signal != 0) return "signal " + std::to_string(r.signal);
  if (r.exit_code != 0) return "exit " + std::to_string(r.exit_code);
  return "ok";
}

}  // namespace

std::string clip_tail(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return valid_utf8(text);
  size_t start = text.size() - max_bytes;
  // Start on a whole character.
  while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) ++start;
  return "[... " + std::to_string(start) + " bytes cut] " + valid_utf8(std::string_view(text).substr(start));
}

nlohmann::json exec_summary(const sandbox::ExecResult& r) {
  return {{"status", exec_status(r)},
          {"exit_code", r.exit_code},
          {"signal", r.signal},
          {"timed_out", r.timed_out},
          {"oom_killed", r.oom_killed},
          {"wall_seconds", r.wall_seconds},
          {"stdout_tail", clip_tail(r.stdout_data, 2000)},
          {"stderr_tail", clip_tail(r.stderr_data, 2000)}};
}

FinalCode final_code(const store::EpisodeRecord& episode) {
  for (size_t s = episode.steps.size(); s-- > 0;) {
    const auto& calls = episode.steps[s].tool_calls;
    for (size_t c = calls.size(); c-- > 0;) {
      if (!calls[c].executed) continue;
      if (std::optional<std::string> code = python_code_of(calls[c]))
        return {*code, "python_call", static_cast<int>(s)};
    }
  }
  std::vector<FencedBlock> blocks = fenced_blocks(episode.final_answer);
  for (size_t i = blocks.size(); i-- > 0;) {
    const std::string& lang = blocks[i].language;
    if (lang == "python" || lang == "py" || lang == "python3") return {blocks[i].content, "answer_block", -1};
  }
  // An unlabelled block is code only when nothing is labelled python.
  for (size_t i = blocks.size(); i-- > 0;)
    if (blocks[i].language.empty()) return {blocks[i].content, "answer_block", -1};
  return {"", "none", -1};
}

store::ScoreRecord score_episode(const data::Task& task, const store::EpisodeRecord& episode,
                                 sandbox::Sandbox& sandbox, const ScorerOptions& options) {
  store::ScoreRecord score;
  score.scorer_version = kScorerVersion;
  score.check = data::to_string(task.check);
  json detail = json::object();
  detail["stop_reason"] = episode.stop_reason;
  try {
    score.key_id = episode.key.id();
    if (task.id != episode.key.task_id)
      throw std::runtime_error("the task is '" + task.id + "' but the episode's is '" + episode.key.task_id + "'");
    Verdict v;
    switch (task.check) {
      case data::Check::exact: v = check_exact(task, episode, detail); break;
      case data::Check::numeric: v = check_numeric(task, episode, detail); break;
      case data::Check::unit_tests: v = check_unit_tests(task, episode, sandbox, options, detail); break;
      case data::Check::rubric: v = check_rubric(task, episode, detail); break;
      case data::Check::final_state: v = check_final_state(task, episode, sandbox, options, detail); break;
      case data::Check::answer_check: v = check_answer(task, episode, sandbox, options, detail); break;
      case data::Check::call_match: v = check_call_match(task, episode, detail); break;
      case data::Check::decision: v = check_decision(episode, detail); break;
      case data::Check::abstain: v = check_abstain(episode, detail); break;
    }
    score.correct = v.correct;
    score.score = v.score;
    score.extracted_answer = clip_tail(v.extracted, 4000);
    if (!task.expected_tools.empty()) {
      std::vector<std::string> ran = tools_that_ran(episode);
      detail["process"] = {{"expected", task.expected_tools},
                           {"ran", ran},
                           {"followed", is_subsequence(task.expected_tools, ran)}};
    }
  } catch (const std::exception& e) {
    score.correct.reset();
    score.score = 0;
    detail["error"] = e.what();
  }
  try {
    FabricationCheck fabrication = check_fabrication(episode, sandbox, options.limits);
    score.fabrication_claim = fabrication.claim;
    score.fabrication_false = fabrication.false_claim;
    detail["fabrication"] = std::move(fabrication.detail);
  } catch (const std::exception& e) {
    detail["fabrication"] = {{"error", e.what()}};
  }
  score.detail = std::move(detail);
  return score;
}

std::vector<store::ScoreRecord> score_episodes(const std::vector<ScoreJob>& jobs, sandbox::Sandbox& sandbox,
                                               int threads, const ScorerOptions& options) {
  std::vector<store::ScoreRecord> out(jobs.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < jobs.size(); i = next++) {
      if (!jobs[i].task || !jobs[i].episode) {
        out[i].scorer_version = kScorerVersion;
        out[i].detail = {{"error", "no task or episode given"}};
        continue;
      }
      try {
        out[i] = score_episode(*jobs[i].task, *jobs[i].episode, sandbox, options);
      } catch (const std::exception& e) {  // e.g. out of memory: this episode only
        out[i] = store::ScoreRecord{};
        out[i].scorer_version = kScorerVersion;
        out[i].check = data::to_string(jobs[i].task->check);
        out[i].detail = {{"error", e.what()}};
      }
    }
  };
  std::vector<std::thread> pool;
  int n = std::max(1, std::min<int>(threads, static_cast<int>(jobs.size())));
  for (int t = 0; t < n; ++t) pool.emplace_back(worker);
  for (std::thread& t : pool) t.join();
  return out;
}

namespace {

// The tasks an episode may name: by (id, hash) from the snapshot first, then
// by id from the snapshot, then by id from the task file.
class TaskLookup {
 public:
  void add_snapshot(const store::StoredTask& stored, const std::function<void(const std::string&)>& note) {
    std::vector<data::Issue> issues;
    std::optional<data::Task> task;
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(stored.task_json, nullptr, false);
    if (j.is_discarded()) issues.push_back({"", 0, "", "not JSON"});
    else task = data::task_from_json(j, issues);
    if (!task) {
      note("task '" + stored.task_id + "' in the run's snapshot is unreadable: " +
           (issues.empty() ? std::string("?") : issues.front().to_string()));
      return;
    }
    const data::Task* t = keep(std::move(*task));
    by_hash_[{stored.task_id, stored.task_sha256}] = t;
    snapshot_.emplace(stored.task_id, t);
  }
  void add_file(data::Task task) {
    const data::Task* t = keep(std::move(task));
    file_.emplace(t->id, t);
  }
  const data::Task* find(const store::EpisodeKey& key) const {
    if (auto it = by_hash_.find({key.task_id, key.task_sha256}); it != by_hash_.end()) return it->second;
    if (auto it = snapshot_.find(key.task_id); it != snapshot_.end()) return it->second;
    if (auto it = file_.find(key.task_id); it != file_.end()) return it->second;
    return nullptr;
  }
  bool empty() const { return tasks_.empty(); }

 private:
  const data::Task* keep(data::Task task) {
    tasks_.push_back(std::make_unique<data::Task>(std::move(task)));
    return tasks_.back().get();
  }
  std::vector<std::unique_ptr<data::Task>> tasks_;
  std::map<std::pair<std::string, std::string>, const data::Task*> by_hash_;
  std::map<std::string, const data::Task*> snapshot_;
  std::map<std::string, const data::Task*> file_;
};

// Episodes are loaded, scored and stored in batches, so that memory stays
// flat on large runs and an interrupted scoring keeps what it finished.
constexpr size_t kBatch = 256;

}  // namespace

RunScoreSummary score_run(store::ResultsStore& results, const store::StoredRun& run, sandbox::Sandbox& sandbox,
                          const RunScoreOptions& options, const std::function<void(const std::string&)>& note) {
  TaskLookup tasks;
  for (const store::StoredTask& stored : results.tasks(run.run_id)) tasks.add_snapshot(stored, note);
  if (!options.tasks_file.empty()) {
    data::LoadResult loaded = data::load_tasks(options.tasks_file);
    for (const data::Issue& issue : loaded.issues) note(issue.to_string());
    for (data::Task& t : loaded.tasks) tasks.add_file(std::move(t));
  }
  if (tasks.empty())
    throw InputError(results.path() + ": run '" + run.record.name +
                     "' has no task snapshot; give the task file with --tasks");

  RunScoreSummary summary;
  std::map<std::tuple<std::string, std::string, std::string>, RunScoreSummary::Condition> conditions;
  std::vector<store::StoredEpisode> listed = results.list_episodes(run.run_id);
  summary.episodes = static_cast<int>(listed.size());
  for (size_t begin = 0; begin < listed.size(); begin += kBatch) {
    size_t end = std::min(listed.size(), begin + kBatch);
    std::vector<store::StoredEpisode> batch;
    std::vector<const data::Task*> batch_tasks;
    for (size_t i = begin; i < end; ++i) {
      const data::Task* task = tasks.find(listed[i].record.key);
      if (!task) {
        ++summary.skipped;
        note("episode " + listed[i].key_id.substr(0, 16) + ": task '" + listed[i].record.key.task_id +
             "' is not in the run's snapshot" + (options.tasks_file.empty() ? "" : " nor in " + options.tasks_file) +
             "; skipped");
        continue;
      }
      std::optional<store::StoredEpisode> full = results.get_episode(run.run_id, listed[i].key_id);
      if (!full) continue;  // erased meanwhile
      batch.push_back(std::move(*full));
      batch_tasks.push_back(task);
    }
    std::vector<ScoreJob> jobs;
    for (size_t j = 0; j < batch.size(); ++j) jobs.push_back({batch_tasks[j], &batch[j].record});
    std::vector<store::ScoreRecord> scores = score_episodes(jobs, sandbox, options.jobs, options.scorer);
    for (size_t j = 0; j < batch.size(); ++j) {
      store::ScoreRecord& s = scores[j];
      s.key_id = batch[j].key_id;  // as stored
      const store::EpisodeRecord& e = batch[j].record;
      ++summary.scored;
      if (s.detail.is_object() && s.detail.contains("error")) {
        ++summary.scorer_errors;
        note("episode " + s.key_id.substr(0, 16) + " (task " + e.key.task_id +
             "): " + s.detail["error"].get<std::string>());
      }
      RunScoreSummary::Condition& c = conditions[{e.variant, e.key.prompt_format, e.key.mode}];
      c.variant = e.variant;
      c.prompt_format = e.key.prompt_format;
      c.mode = e.key.mode;
      ++c.n;
      if (s.correct) {
        ++c.judged;
        c.correct += *s.correct ? 1 : 0;
      }
      if (!any_call_ran(e)) ++summary.without_execution;
      if (s.fabrication_claim) ++summary.claims;
      if (s.fabrication_false) {
        ++summary.checked;
        summary.false_claims += *s.fabrication_false ? 1 : 0;
      }
    }
    results.put_scores(run.run_id, scores);
  }
  for (auto& [key, c] : conditions) summary.conditions.push_back(std::move(c));
  return summary;
}

}  // namespace agentcoder::evaluation
