// Sandbox and SandboxResult: sandbox::Sandbox, with the result fields of
// `agentcoder sandbox run --json`. run() releases the GIL, so threads run
// sandboxes at once (up to the pool's slots; more wait for one).
#include <chrono>
#include <cmath>
#include <mutex>
#include <string>

#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.h"
#include "utils/errors.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace agentcoder::python {
namespace {

namespace sb = agentcoder::sandbox;

struct PySandbox {
  std::shared_ptr<sb::Sandbox> impl;
};

nb::str text(const std::string& s) {
  // Invalid UTF-8 replaced, as the CLI's --json does.
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
  if (!o) throw nb::python_error();
  return nb::steal<nb::str>(o);
}

nb::dict result_dict(const sb::ExecResult& r) {
  nb::dict d;
  d["exit_code"] = r.exit_code;
  d["signal"] = r.signal;
  d["timed_out"] = r.timed_out;
  d["oom_killed"] = r.oom_killed;
  d["stdout"] = text(r.stdout_data);
  d["stderr"] = text(r.stderr_data);
  d["stdout_truncated"] = r.stdout_truncated;
  d["stderr_truncated"] = r.stderr_truncated;
  d["wall_seconds"] = r.wall_seconds;
  d["cpu_seconds"] = r.cpu_seconds;
  d["peak_memory_bytes"] = r.peak_memory_bytes;
  d["missing_protections"] = nb::cast(r.missing_protections);
  d["warm"] = r.warm;
  return d;
}

sb::Limits limits_from(double timeout, double memory_mb, double cpus) {
  sb::Limits l;
  l.wall_seconds = timeout;
  // Converted to bytes only once known to be in range (the cast of a NaN
  // or a negative number is undefined); the sandbox checks the rest.
  if (!(memory_mb >= 16 && memory_mb <= 1048576)) throw InputError("sandbox limits: memory must be between 16 and 1048576 (MB)");
  l.memory_bytes = static_cast<uint64_t>(memory_mb * 1048576.0);
  l.cpus = cpus;
  return l;
}

std::mutex default_mu;
std::shared_ptr<sb::Sandbox> default_instance;

}  // namespace

std::shared_ptr<sb::Sandbox> default_sandbox() {
  // The GIL is let go before the lock is taken: a thread starting the
  // sandbox (a while) must not wait for the GIL that a second thread,
  // waiting on the lock, holds.
  nb::gil_scoped_release release;
  std::lock_guard lock(default_mu);
  if (!default_instance) default_instance = sb::make_sandbox();
  return default_instance;
}

std::shared_ptr<sb::Sandbox> sandbox_of(nb::handle sandbox) {
  if (sandbox.is_none()) return default_sandbox();
  return nb::cast<PySandbox&>(sandbox).impl;
}

void bind_sandbox(nb::module_& m) {
  nb::class_<sb::ExecResult>(m, "SandboxResult",
                             "What one sandbox run did: the fields of `agentcoder sandbox run --json`.")
      .def_prop_ro("exit_code", [](const sb::ExecResult& r) { return r.exit_code; },
                   "The exit status; -1 when a signal ended the program.")
      .def_ro("signal", &sb::ExecResult::signal, "The terminating signal, 0 if none.")
      .def_ro("timed_out", &sb::ExecResult::timed_out, "The wall-clock limit ended the run.")
      .def_ro("oom_killed", &sb::ExecResult::oom_killed, "The memory limit ended the run.")
      .def_prop_ro("stdout", [](const sb::ExecResult& r) { return text(r.stdout_data); },
                   "Standard output as text (bytes that are not UTF-8 replaced by U+FFFD).")
      .def_prop_ro("stderr", [](const sb::ExecResult& r) { return text(r.stderr_data); },
                   "Standard error as text (bytes that are not UTF-8 replaced by U+FFFD).")
      .def_prop_ro("stdout_bytes", [](const sb::ExecResult& r) { return nb::bytes(r.stdout_data.data(), r.stdout_data.size()); },
                   "Standard output, the bytes as written.")
      .def_prop_ro("stderr_bytes", [](const sb::ExecResult& r) { return nb::bytes(r.stderr_data.data(), r.stderr_data.size()); },
                   "Standard error, the bytes as written.")
      .def_ro("stdout_truncated", &sb::ExecResult::stdout_truncated, "The output limit cut standard output.")
      .def_ro("stderr_truncated", &sb::ExecResult::stderr_truncated, "The output limit cut standard error.")
      .def_ro("wall_seconds", &sb::ExecResult::wall_seconds, "Wall time of the run.")
      .def_ro("cpu_seconds", &sb::ExecResult::cpu_seconds, "CPU time of the run's cgroup.")
      .def_ro("peak_memory_bytes", &sb::ExecResult::peak_memory_bytes, "Peak memory of the run.")
      .def_ro("missing_protections", &sb::ExecResult::missing_protections,
              "Protections not in force (only with allow_weaker_isolation).")
      .def_ro("warm", &sb::ExecResult::warm, "Whether a warm (forked) interpreter ran it.")
      .def_prop_ro("succeeded", &sb::ExecResult::succeeded, "Exit 0, not timed out, not killed for memory.")
      .def("to_dict", &result_dict, "The fields as a dict, keys and order as `agentcoder sandbox run --json`.")
      .def("__repr__", [](const sb::ExecResult& r) {
        return "SandboxResult(exit_code=" + std::to_string(r.exit_code) + ", timed_out=" + (r.timed_out ? "True" : "False") +
               ", wall_seconds=" + std::to_string(r.wall_seconds) + ")";
      });

  nb::class_<PySandbox>(m, "Sandbox",
                        "The native Linux sandbox (src/sandbox): fresh namespaces, a read-only root, seccomp, "
                        "cgroup limits. A pool of slots; run() is thread-safe and releases the GIL.")
      .def(
          "__init__",
          [](PySandbox* self, bool warm, unsigned max_concurrent_runs, const std::string& python,
             bool allow_weaker_isolation, const std::string& cgroup_parent) {
            sb::SandboxOptions o;
            o.warm = warm;
            o.max_concurrent_runs = max_concurrent_runs;
            o.python = python;
            o.allow_weaker_isolation = allow_weaker_isolation;
            o.cgroup_parent = cgroup_parent;
            std::shared_ptr<sb::Sandbox> impl;
            {
              nb::gil_scoped_release release;
              impl = sb::make_sandbox(o);
            }
            new (self) PySandbox{std::move(impl)};
          },
          "warm"_a = true, "max_concurrent_runs"_a = 0u, "python"_a = "/usr/bin/python3",
          "allow_weaker_isolation"_a = false, "cgroup_parent"_a = "agentcoder",
          "Starts the sandbox's first slot. warm: fork each run from a pre-started interpreter (as experiments "
          "do); max_concurrent_runs: slots (0: twice the CPUs); python: the interpreter run inside; "
          "allow_weaker_isolation: run even where a protection is missing (reported per result). Raises "
          "RuntimeError with one line naming what the host lacks.")
      .def(
          "run",
          [](PySandbox& self, const std::string& code, nb::object input, double timeout,
             double memory_mb, double cpus) {
            sb::ExecRequest req;
            req.code = code;
            if (nb::isinstance<nb::bytes>(input)) {
              nb::bytes b = nb::borrow<nb::bytes>(input);
              req.stdin_data.assign(b.c_str(), b.size());
            } else if (!input.is_none()) {
              req.stdin_data = nb::cast<std::string>(input);
            }
            req.limits = limits_from(timeout, memory_mb, cpus);
            nb::gil_scoped_release release;
            return self.impl->run(req);
          },
          "code"_a, "stdin"_a = nb::none(), "timeout"_a = sb::Limits{}.wall_seconds,
          "memory_mb"_a = static_cast<double>(sb::Limits{}.memory_bytes >> 20), "cpus"_a = sb::Limits{}.cpus,
          nb::sig("def run(self, code: str, stdin: str | bytes | None = None, timeout: float = 5.0, "
                  "memory_mb: float = 256.0, cpus: float = 0.5) -> SandboxResult"),
          "Runs Python `code` (stdin: str or bytes given to it) under the limits: timeout in seconds of wall "
          "time, memory_mb with swap, cpus as a CPU quota. What the program does is reported, never raised; "
          "limits out of range raise ValueError.")
      .def_prop_ro("missing_protections", [](const PySandbox& s) { return s.impl->missing_protections(); },
                   "Protections this sandbox cannot enforce (empty unless weaker isolation was allowed).");

  // bench/python's reference: the same run timed in C++ (request built and
  // timed here, no Python between runs), on the same sandbox.
  m.def(
      "_time_runs_in_cpp",
      [](PySandbox& self, const std::string& code, int n) {
        sb::ExecRequest req;
        req.code = code;
        std::vector<double> seconds;
        nb::gil_scoped_release release;
        for (int i = 0; i < n; ++i) {
          const auto start = std::chrono::steady_clock::now();
          sb::ExecResult r = self.impl->run(req);
          seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
          if (!r.succeeded()) throw std::runtime_error("bench run failed: " + r.stderr_data);
        }
        return seconds;
      },
      "sandbox"_a, "code"_a, "n"_a,
      "Wall seconds of each of n runs of `code`, made and timed in C++ (bench/python's reference).");
}

}  // namespace agentcoder::python
