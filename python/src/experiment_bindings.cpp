// run_experiment: an experiment config run by the experiment module
// (experiment/plan.h, runner.h), as `agentcoder run` does but with a Python
// progress callback. Generation runs with the GIL released; the callback
// takes it for each call.
#include <mutex>
#include <exception>
#include <string>

#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/string.h>

#include "bindings.h"
#include "experiment/plan.h"
#include "experiment/run_config.h"
#include "experiment/runner.h"
#include "store/results_store.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace agentcoder::python {

void bind_experiment(nb::module_& m) {
  m.def(
      "run_experiment",
      [](const std::filesystem::path& config_file, const std::filesystem::path& results_dir, int limit, bool resume,
         bool allow_config_change, nb::object progress, nb::object sandbox) {
        experiment::RunConfig config = experiment::load_run_config(config_file.string());
        experiment::PlanOptions plan_options;
        plan_options.results_dir = results_dir.string();
        plan_options.limit = limit;
        plan_options.sandbox = sandbox_of(sandbox);
        experiment::RunOptions run_options;
        run_options.resume = resume;
        run_options.allow_config_change = allow_config_change;

        // The first exception the callback raises: it stops further calls
        // and is raised again once the run has stored what it ran.
        std::mutex mu;
        std::exception_ptr failure;
        if (!progress.is_none()) {
          run_options.on_progress = [&](const experiment::Progress& p) {
            nb::gil_scoped_acquire acquire;
            std::lock_guard lock(mu);
            if (failure) return;
            try {
              nb::dict d;
              d["planned"] = p.planned;
              d["already_stored"] = p.already_stored;
              d["done"] = p.done;
              d["generated_tokens"] = p.generated_tokens;
              progress(d);
            } catch (nb::python_error&) {
              failure = std::current_exception();
            }
          };
        }
        experiment::RunSummary summary;
        std::string results_path;
        {
          nb::gil_scoped_release release;
          experiment::Plan plan = experiment::plan(config, plan_options);
          results_path = plan.results_path;
          store::ResultsStore results(plan.results_path);
          summary = experiment::run(plan, results, run_options);
        }
        if (failure) std::rethrow_exception(failure);
        nb::dict out;
        out["results"] = results_path;
        out["run"] = config.name;
        out["planned"] = summary.planned;
        out["already_stored"] = summary.already_stored;
        out["ran"] = summary.ran;
        return out;
      },
      "config_path"_a, "results_dir"_a = "results", "limit"_a = 0, "resume"_a = false,
      "allow_config_change"_a = false, "progress"_a = nb::none(), "sandbox"_a = nb::none(),
      nb::sig("def run_experiment(config_path: str | os.PathLike[str], results_dir: str | os.PathLike[str] = 'results', "
              "limit: int = 0, resume: bool = False, allow_config_change: bool = False, "
              "progress: collections.abc.Callable[[dict[str, int]], object] | None = None, "
              "sandbox: Sandbox | None = None) -> dict[str, typing.Any]"),
      "Runs an experiment config (TOML) into <results_dir>/<name>/results.sqlite, as `agentcoder run` does. "
      "limit: at most this many tasks (0: as configured); resume: continue the run of this name. progress "
      "is called before the first episode and after each stored one with {planned, already_stored, done, "
      "generated_tokens}, one call at a time, from worker threads. Returns {results, run, planned, "
      "already_stored, ran}. Open the results with open_run(). Bad config raises ValueError.");
}

}  // namespace agentcoder::python
