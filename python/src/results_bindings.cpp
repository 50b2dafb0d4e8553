// What open_run() and metrics() need from the C++ store: the results file
// a path names and the run in it (store/results_path.h, results_store.h:
// the same checks and messages as the analysis commands), and the run's
// metrics JSON (evaluation/metrics.h), the one `agentcoder metrics --json`
// prints. The tables themselves are read by pandas (agentcoder/run.py).
#include <string>

#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/string.h>

#include "bindings.h"
#include "evaluation/metrics.h"
#include "evaluation/scored_episode.h"
#include "json_convert.h"
#include "store/results_path.h"
#include "store/results_store.h"
#include "store/variant_resources.h"
#include "data/task.h"
#include "utils/errors.h"
#include "utils/vocabulary.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace agentcoder::python {

namespace {

template <class Array>
nb::list names(const Array& values) {
  nb::list out;
  for (const auto& v : values) out.append(nb::str(std::string(to_string(v)).c_str()));
  return out;
}

}  // namespace

void bind_results(nb::module_& m) {
  m.def(
      "vocabulary",
      [] {
        nb::dict d;
        d["mode"] = names(kModes);
        d["reply_kind"] = names(kReplyKinds);
        d["stop_reason"] = names(kStopReasons);
        d["generation_stop"] = names(kGenerationStops);
        d["failure_class"] = names(kFailureClasses);
        nb::list categories, difficulties;
        for (data::Category c : data::kCategories) categories.append(nb::str(data::to_string(c).c_str()));
        for (data::Difficulty x : data::kDifficulties) difficulties.append(nb::str(data::to_string(x).c_str()));
        d["category"] = categories;
        d["difficulty"] = difficulties;
        return d;
      },
      nb::sig("def vocabulary() -> dict[str, list[str]]"),
      "The study's names in the harness's order (utils/vocabulary.h, data/task.h): mode, reply_kind, "
      "stop_reason, generation_stop, failure_class, category, difficulty. open_run's categoricals use them.");

  m.def(
      "find_run",
      [](const std::filesystem::path& where, const std::string& run) {
        const std::string path = where.string();
        std::string file;
        store::StoredRun r;
        {
          nb::gil_scoped_release release;
          file = store::resolve_results_file(path);
          store::ResultsStore store(file, store::Access::read_only);
          r = store.pick_run(run);
        }
        nlohmann::ordered_json out{{"file", file},
                                   {"run_id", r.run_id},
                                   {"name", r.record.name},
                                   {"created_at", r.created_at},
                                   {"config_sha256", r.config_sha256},
                                   {"episode_count", r.episode_count},
                                   {"session_count", r.session_count},
                                   {"config_text", r.record.config_text},
                                   {"config", r.record.config},
                                   {"manifest", r.record.manifest}};
        return to_python(out);
      },
      "path"_a, "run"_a = "",
      nb::sig("def find_run(path: str | os.PathLike[str], run: str = '') -> dict[str, typing.Any]"),
      "The results file `path` names (a results.sqlite or its run directory) and the run in it ('' when "
      "it holds one): {file, run_id, name, created_at, config_sha256, episode_count, session_count, "
      "config_text, config, manifest}.");

  m.def(
      "metrics_json",
      [](const std::filesystem::path& where, const std::string& run, int bootstrap, uint64_t seed) {
        if (bootstrap < 0) throw InputError("--bootstrap: must be >= 0");
        nlohmann::ordered_json metrics;
        {
          nb::gil_scoped_release release;
          store::ResultsStore store(store::resolve_results_file(where.string()), store::Access::read_only);
          store::StoredRun r = store.pick_run(run);
          std::vector<evaluation::ScoredEpisode> episodes = evaluation::load_scored_episodes(store, r);
          evaluation::MetricsOptions o;
          o.run_name = r.record.name;
          o.bootstrap_samples = bootstrap;
          o.seed = seed;
          o.variant_resources = store::variant_resources(r);
          metrics = evaluation::compute_metrics(episodes, o);
        }
        return to_python(metrics);
      },
      "path"_a, "run"_a = "", "bootstrap"_a = 1000, "seed"_a = 1,
      nb::sig("def metrics_json(path: str | os.PathLike[str], run: str = '', bootstrap: int = 1000, seed: int = 1) "
              "-> dict[str, typing.Any]"),
      "The run's metrics as `agentcoder metrics RUN --json` prints them (evaluation/metrics.h), as nested "
      "dicts. bootstrap: resamples for the confidence intervals (0: none).");
}

}  // namespace agentcoder::python
