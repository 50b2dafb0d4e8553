#include "evaluation/probe.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <tuple>

#include "utils/child_process.h"
#include "utils/errors.h"
#include "utils/files.h"
#include "utils/paths.h"
#include "utils/scratch_dir.h"


namespace agentcoder::evaluation {

extern const char kProbeSource[];  // probe.py, embedded by CMake

namespace {

// `python -I probe.py input output`, stdout and stderr to a file; throws on failure.
void run_script(const std::string& python, const ScratchDir& dir) {
  if (access(python.c_str(), X_OK) != 0)
    throw InputError(python + " not found; the probe needs the project's Python environment: scripts/setup_python.sh");
  const std::string script = dir.path("probe.py"), log = dir.path("log");
  write_file_atomically(script, kProbeSource);
  const int status = run_to_files({python, "-I", script, dir.path("input.json"), dir.path("output.json")}, log, log);
  const std::string said = last_line(read_file(log));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3) throw InputError(said + " (scripts/setup_python.sh installs it)");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("probe.py failed" + (said.empty() ? std::string() : ": " + said));
}

}  // namespace

std::vector<ProbeExample> probe_examples(const std::vector<ScoredEpisode>& episodes, const store::HiddenStates& hidden,
                                         double necessity_threshold) {
  std::map<std::tuple<std::string, std::string, std::string>, std::optional<bool>> necessary;
  for (const TaskNecessity& n : task_necessity(episodes, necessity_threshold))
    necessary[{n.variant, n.prompt_format, n.task_id}] = n.necessary;
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
    x.task_id = e.task_id;
    x.row = it->second;
    auto n = necessary.find({e.variant, e.prompt_format, e.task_id});
    if (n != necessary.end()) x.needs = n->second;
    x.calls = e.first_decision != ReplyKind::text;
    out.push_back(std::move(x));
  }
  // By identity, not by the order the store happened to hold them: the
  // folds and resamples follow this order, so a run merged from shards, or
  // run at another parallelism, gets the same probe.
  std::sort(out.begin(), out.end(), [](const ProbeExample& a, const ProbeExample& b) { return a.key_id < b.key_id; });
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
    nlohmann::ordered_json needs = nlohmann::ordered_json::array(), calls = nlohmann::ordered_json::array(),
                           tasks = nlohmann::ordered_json::array();
    for (const ProbeExample* x : members) {
      if (x->row->width != width)
        throw InputError("variant '" + order[g] + "': hidden states of two widths (" + std::to_string(width) + ", " +
                         std::to_string(x->row->width) + ") in one variant");
      out.write(reinterpret_cast<const char*>(x->row->values.data()),
                static_cast<std::streamsize>(x->row->values.size() * sizeof(float)));
      needs.push_back(x->needs ? nlohmann::ordered_json(*x->needs ? 1 : 0) : nlohmann::ordered_json(nullptr));
      calls.push_back(x->calls ? 1 : 0);
      tasks.push_back(x->task_id);
    }
    if (!out) throw std::runtime_error(dir.path(matrix) + ": cannot write");
    input["groups"].push_back(
        {{"variant", order[g]}, {"width", width}, {"matrix", matrix}, {"needs", needs}, {"calls", calls}, {"tasks", tasks}});
  }
  write_file_atomically(dir.path("input.json"), input.dump());
  run_script(options.python.empty() ? project_python() : options.python, dir);
  return nlohmann::ordered_json::parse(read_file(dir.path("output.json")));
}

}  // namespace agentcoder::evaluation
