#include "data/reference_runner.h"

#include <atomic>
#include <thread>

namespace agentcoder::data {
namespace {

using json = nlohmann::ordered_json;

const char* kMarker = "@@AGENTCODER_REFERENCE_RESULTS@@";

// Appended after the family's reference; names start with _ac_ to stay out
// of the reference's way.
const char* kDriver = R"PY(

def _ac_main():
    import contextlib, io, json, sys
    _ac_items = json.loads(sys.stdin.read())
    _ac_lines = []
    for _ac_p in _ac_items:
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                _ac_out = solve(_ac_p)
                if not isinstance(_ac_out, dict):
                    raise TypeError("solve() must return a dict, not " + type(_ac_out).__name__)
                if "solution" in _ac_out and "tests" in _ac_out:
                    _ac_code = "\n".join([_ac_out["solution"], _ac_out.get("test_setup", ""), _ac_out["tests"]])
                    try:
                        exec(compile(_ac_code, "solution_check", "exec"), {"__name__": "solution_check"})
                    except BaseException as _ac_e:
                        raise AssertionError("the reference solution fails its tests: "
                                             + type(_ac_e).__name__ + " " + str(_ac_e)[:200])
            _ac_lines.append(json.dumps({"ok": True, "out": _ac_out}, allow_nan=False))
        except BaseException as _ac_e:
            _ac_lines.append(json.dumps({"ok": False, "error": type(_ac_e).__name__ + ": " + str(_ac_e)[:300]}))
    sys.stdout.write("\n@@AGENTCODER_REFERENCE_RESULTS@@\n" + "\n".join(_ac_lines) + "\n")

_ac_main()
)PY";

std::string failure_reason(const sandbox::ExecResult& r) {
  if (r.timed_out) return "sandbox: timed out after " + std::to_string(r.wall_seconds) + " s";
  if (r.oom_killed) return "sandbox: out of memory";
  if (r.signal) return "sandbox: killed by signal " + std::to_string(r.signal);
  std::string err = r.stderr_data;
  while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
  auto nl = err.rfind('\n');
  std::string last = nl == std::string::npos ? err : err.substr(nl + 1);
  return "exit " + std::to_string(r.exit_code) + (last.empty() ? "" : ": " + last);
}

// Runs fn(i) for i in [0, n) on up to `jobs` threads.
template <typename Fn>
void parallel_for(size_t n, int jobs, Fn fn) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < std::max(1, jobs) && static_cast<size_t>(t) < n; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
}

}  // namespace

sandbox::Limits RunnerOptions::batch_limits() {
  sandbox::Limits limits;
  limits.wall_seconds = 60;
  limits.memory_bytes = 1ull << 30;
  limits.cpus = 1.0;
  limits.max_output_bytes = 32ull << 20;
  return limits;
}

std::string reference_program(const Family& family) { return family.reference + kDriver; }

std::vector<std::vector<ReferenceOutcome>> run_references(sandbox::Sandbox& sandbox,
                                                          const std::vector<ReferenceJob>& jobs,
                                                          const RunnerOptions& options) {
  struct Batch {
    size_t job, first, count;
  };
  std::vector<Batch> batches;
  std::vector<std::vector<ReferenceOutcome>> outcomes(jobs.size());
  for (size_t j = 0; j < jobs.size(); ++j) {
    outcomes[j].resize(jobs[j].params.size());
    for (size_t k = 0; k < jobs[j].params.size(); k += options.batch_size)
      batches.push_back({j, k, std::min(options.batch_size, jobs[j].params.size() - k)});
  }
  parallel_for(batches.size(), options.jobs, [&](size_t b) {
    const Batch& batch = batches[b];
    const ReferenceJob& job = jobs[batch.job];
    json items = json::array();
    for (size_t k = 0; k < batch.count; ++k) items.push_back(job.params[batch.first + k]);
    sandbox::ExecRequest request;
    request.code = reference_program(*job.family);
    request.stdin_data = items.dump();
    request.limits = options.limits;
    sandbox::ExecResult result = sandbox.run(request);
    auto fail_all = [&](const std::string& why) {
      for (size_t k = 0; k < batch.count; ++k)
        outcomes[batch.job][batch.first + k] = ReferenceOutcome{false, nullptr, why};
    };
    auto pos = result.stdout_data.rfind(kMarker);
    if (!result.succeeded() || pos == std::string::npos) {
      fail_all(result.succeeded() ? "no results printed" : failure_reason(result));
      return;
    }
    std::vector<std::string> lines;
    size_t start = pos + std::string(kMarker).size() + 1;
    while (start < result.stdout_data.size()) {
      size_t end = result.stdout_data.find('\n', start);
      if (end == std::string::npos) end = result.stdout_data.size();
      if (end > start) lines.push_back(result.stdout_data.substr(start, end - start));
      start = end + 1;
    }
    if (lines.size() != batch.count) {
      fail_all("expected " + std::to_string(batch.count) + " results, got " + std::to_string(lines.size()));
      return;
    }
    for (size_t k = 0; k < batch.count; ++k) {
      ReferenceOutcome& o = outcomes[batch.job][batch.first + k];
      try {
        json r = json::parse(lines[k]);
        o.ok = r.value("ok", false);
        if (o.ok) o.out = r["out"];
        else o.error = r.value("error", std::string("unknown error"));
      } catch (const json::exception& e) {
        o = ReferenceOutcome{false, nullptr, std::string("unreadable result: ") + e.what()};
      }
    }
  });
  return outcomes;
}

std::vector<std::string> run_checks(sandbox::Sandbox& sandbox, const std::vector<std::string>& programs, int jobs) {
  std::vector<std::string> reasons(programs.size());
  parallel_for(programs.size(), jobs, [&](size_t i) {
    sandbox::ExecRequest request;
    request.code = programs[i];
    request.limits.wall_seconds = 20;
    request.limits.memory_bytes = 512ull << 20;
    request.limits.cpus = 1.0;
    sandbox::ExecResult result = sandbox.run(request);
    if (!result.succeeded()) reasons[i] = failure_reason(result);
  });
  return reasons;
}

}  // namespace agentcoder::data
