#include "evaluation/probe.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

#include "utils/errors.h"
#include "utils/files.h"
#include "utils/paths.h"
#include "utils/scratch_dir.h"

extern char** environ;

namespace agentcoder::evaluation {

extern const char kProbeSource[];  // probe.py, embedded by CMake

namespace {

std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  size_t nl = text.rfind('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

// `python -I probe.py input output`, stdout and stderr to a file; throws on failure.
void run_script(const std::string& python, const ScratchDir& dir) {
  if (access(python.c_str(), X_OK) != 0)
    throw InputError(python + " not found; the probe needs the project's Python environment: scripts/setup_python.sh");
  const std::string script = dir.path("probe.py"), log = dir.path("log");
  write_file_atomically(script, kProbeSource);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<std::string> args = {python, "-I", script, dir.path("input.json"), dir.path("output.json")};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, python.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + python + ": " + std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw std::runtime_error("waitpid failed for " + python);
  const std::string said = last_line(read_file(log));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3) throw InputError(said + " (scripts/setup_python.sh installs it)");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("probe.py failed" + (said.empty() ? std::string() : ": " + said));
}

}  // namespace

std::optional<bool> needs_tool_stand_in(const std::vector<ScoredEpisode>& episodes, const std::string& variant,
                                        const std::string& prompt_format, const std::string& task_id) {
  std::optional<bool> needs;
  for (const ScoredEpisode& e : episodes) {
    if (e.mode != Mode::force_text || e.variant != variant || e.prompt_format != prompt_format ||
        e.task_id != task_id || !e.scored || !e.correct)
      continue;
    if (*e.correct) return false;  // solved without the tool
    needs = true;
  }
  return needs;
}

std::vector<ProbeExample> probe_examples(const std::vector<ScoredEpisode>& episodes, const store::HiddenStates& hidden) {
  std::map<std::string, const store::HiddenRow*> rows;
  for (const store::HiddenRow& row : hidden.rows) rows[row.episode_id] = &row;  // the last row of an id
  std::vector<ProbeExample> out;
  for (const ScoredEpisode& e : episodes) {
    if (e.mode != Mode::free) continue;
    auto it = rows.find(e.key_id);
    if (it == rows.end()) continue;
    ProbeExample x;
    x.key_id = e.key_id;
    x.variant = e.variant;
    x.row = it->second;
    x.needs = needs_tool_stand_in(episodes, e.variant, e.prompt_format, e.task_id);
    x.calls = e.first_decision != ReplyKind::text;
    out.push_back(std::move(x));
  }
  return out;
}

nlohmann::ordered_json run_probe(const std::vector<ProbeExample>& examples, const store::HiddenStatesHeader& header,
                                 const ProbeOptions& options) {
  ScratchDir dir("agentcoder-probe");
  // One group per variant: one model's hidden states, one width.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const ProbeExample*>> groups;
  for (const ProbeExample& x : examples) {
    if (!groups.count(x.variant)) order.push_back(x.variant);
    groups[x.variant].push_back(&x);
  }
  nlohmann::ordered_json input = {{"folds", options.folds},
                                  {"bootstrap", options.bootstrap},
                                  {"seed", options.seed},
                                  {"layers", header.layers},
                                  {"groups", nlohmann::ordered_json::array()}};
  for (size_t g = 0; g < order.size(); ++g) {
    const auto& members = groups[order[g]];
    const int width = members.front()->row->width;
    const std::string matrix = "X-" + std::to_string(g) + ".f32";
    std::ofstream out(dir.path(matrix), std::ios::binary);
    nlohmann::ordered_json needs = nlohmann::ordered_json::array(), calls = nlohmann::ordered_json::array();
    for (const ProbeExample* x : members) {
      if (x->row->width != width)
        throw InputError("variant '" + order[g] + "': hidden states of two widths (" + std::to_string(width) + ", " +
                         std::to_string(x->row->width) + ") in one variant");
      out.write(reinterpret_cast<const char*>(x->row->values.data()),
                static_cast<std::streamsize>(x->row->values.size() * sizeof(float)));
      needs.push_back(x->needs ? nlohmann::ordered_json(*x->needs ? 1 : 0) : nlohmann::ordered_json(nullptr));
      calls.push_back(x->calls ? 1 : 0);
    }
    if (!out) throw std::runtime_error(dir.path(matrix) + ": cannot write");
    input["groups"].push_back(
        {{"variant", order[g]}, {"width", width}, {"matrix", matrix}, {"needs", needs}, {"calls", calls}});
  }
  write_file_atomically(dir.path("input.json"), input.dump());
  run_script(options.python.empty() ? project_python() : options.python, dir);
  return nlohmann::ordered_json::parse(read_file(dir.path("output.json")));
}

}  // namespace agentcoder::evaluation
