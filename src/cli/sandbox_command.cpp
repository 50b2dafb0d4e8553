// agentcoder sandbox run|check: run Python in the native sandbox, or report
// what isolation this host supports.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "sandbox/host_check.h"
#include "sandbox/sandbox.h"
#include "utils/errors.h"
#include "utils/files.h"

namespace agentcoder::cli {
namespace {

namespace sb = agentcoder::sandbox;

struct SandboxArgs {
  std::string file, code, stdin_file, python = "/usr/bin/python3", cgroup_parent = "agentcoder";
  double timeout = sb::Limits{}.wall_seconds;
  double memory_mb = static_cast<double>(sb::Limits{}.memory_bytes >> 20);
  double cpus = sb::Limits{}.cpus;
  bool json = false, weaker = false;
};

std::string read_input(const std::string& flag, const std::string& path) {
  try {
    return read_file(path);
  } catch (const InputError& e) {
    throw InputError("sandbox run: " + flag + " " + e.what());
  }
}

sb::SandboxOptions options_from(const SandboxArgs& a) {
  sb::SandboxOptions o;
  o.python = a.python;
  o.cgroup_parent = a.cgroup_parent;
  o.warm = false;  // one run: a zygote would only add its start-up
  o.allow_weaker_isolation = a.weaker;
  o.max_concurrent_runs = 1;
  return o;
}

std::string describe(const sb::ExecResult& r) {
  char buf[256];
  std::string what;
  if (r.timed_out) what = "timed out";
  else if (r.oom_killed) what = "killed: out of memory";
  else if (r.stdout_truncated || r.stderr_truncated) what = "killed: output limit reached";
  else if (r.signal) what = std::string("killed by signal ") + std::to_string(r.signal) + " (" + strsignal(r.signal) + ")";
  else what = "exit " + std::to_string(r.exit_code);
  std::snprintf(buf, sizeof buf, "%s, %.1f ms wall, %.3f s CPU, %.1f MiB peak", what.c_str(), r.wall_seconds * 1e3,
                r.cpu_seconds, static_cast<double>(r.peak_memory_bytes) / 1048576.0);
  return buf;
}

void run_sandbox(const SandboxArgs& a) {
  if (a.file.empty() == a.code.empty()) throw InputError("sandbox run: give exactly one of --file and -c");
  sb::ExecRequest req;
  req.code = a.file.empty() ? a.code : read_input("--file", a.file);
  if (!a.stdin_file.empty()) req.stdin_data = read_input("--stdin", a.stdin_file);
  if (!(a.timeout > 0)) throw InputError("sandbox run: --timeout must be positive");
  if (!(a.memory_mb >= 16)) throw InputError("sandbox run: --memory must be at least 16 (MB)");
  if (!(a.cpus > 0)) throw InputError("sandbox run: --cpus must be positive");
  req.limits.wall_seconds = a.timeout;
  req.limits.memory_bytes = static_cast<uint64_t>(a.memory_mb * 1048576.0);
  req.limits.cpus = a.cpus;

  auto sandbox = sb::make_sandbox(options_from(a));
  sb::ExecResult r = sandbox->run(req);
  if (a.json) {
    nlohmann::ordered_json j{{"exit_code", r.exit_code},
                             {"signal", r.signal},
                             {"timed_out", r.timed_out},
                             {"oom_killed", r.oom_killed},
                             {"stdout", r.stdout_data},
                             {"stderr", r.stderr_data},
                             {"stdout_truncated", r.stdout_truncated},
                             {"stderr_truncated", r.stderr_truncated},
                             {"wall_seconds", r.wall_seconds},
                             {"cpu_seconds", r.cpu_seconds},
                             {"peak_memory_bytes", r.peak_memory_bytes},
                             {"missing_protections", r.missing_protections}};
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::fwrite(r.stdout_data.data(), 1, r.stdout_data.size(), stdout);
    std::fflush(stdout);
    std::fwrite(r.stderr_data.data(), 1, r.stderr_data.size(), stderr);
    for (const std::string& m : r.missing_protections) std::fprintf(stderr, "sandbox: WARNING: not enforced: %s\n", m.c_str());
    std::fprintf(stderr, "sandbox: %s\n", describe(r).c_str());
  }
  if (!r.succeeded()) throw std::runtime_error("the program failed: " + describe(r));
}

void run_check(const SandboxArgs& a) {
  sb::SandboxOptions o = options_from(a);
  sb::HostReport report = sb::check_host(o);
  const sb::HostFeature* missing = report.first_missing(false);
  if (a.json) {
    nlohmann::ordered_json features = nlohmann::ordered_json::array();
    for (const auto& f : report.features)
      features.push_back({{"name", f.name}, {"present", f.present}, {"required", f.required},
                          {"weakenable", f.weakenable}, {"detail", f.detail}});
    nlohmann::ordered_json j{{"running_as_root", geteuid() == 0},
                             {"features", features},
                             {"defaults_enforceable", report.defaults_enforceable}};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("running as %s\n", geteuid() == 0 ? "root" : "an ordinary user");
    for (const auto& f : report.features)
      std::printf("%-9s %-52s %s\n", f.present ? "[ok]" : (f.required ? "[MISSING]" : "[absent]"), f.name.c_str(),
                  f.detail.c_str());
    if (report.defaults_enforceable)
      std::printf("defaults (256 MB, 0.5 CPU, 5 s, no network, read-only but /tmp) can be enforced: yes\n");
    else
      std::printf("defaults can be enforced: NO (%s)%s\n", missing->name.c_str(),
                  missing->weakenable ? "; --allow-weaker-isolation would run without it" : "");
  }
  if (!report.defaults_enforceable) throw std::runtime_error("sandbox check: missing " + missing->name);
}

void add_common(CLI::App* cmd, SandboxArgs& a) {
  cmd->add_option("--python", a.python, "Interpreter (an absolute path to a real binary, not a shim)");
  cmd->add_option("--cgroup-parent", a.cgroup_parent, "cgroup under which slots are made (delegated, if not root)");
  cmd->add_flag("--json", a.json, "Print JSON");
}

CommandRegistrar reg("sandbox", [](CLI::App& app) {
  auto args = std::make_shared<SandboxArgs>();
  CLI::App* sandbox = app.add_subcommand("sandbox", "Run Python in the native sandbox, or check the host");
  sandbox->require_subcommand(1);

  CLI::App* run = sandbox->add_subcommand("run", "Run a program in the sandbox; its output goes to stdout/stderr");
  run->add_option("--file", args->file, "Python file to run");
  run->add_option("-c", args->code, "Python code to run");
  run->add_option("--stdin", args->stdin_file, "File given to the program on stdin");
  run->add_option("--timeout", args->timeout, "Wall-clock limit in seconds")->capture_default_str();
  run->add_option("--memory", args->memory_mb, "Memory limit in MB, swap included")->capture_default_str();
  run->add_option("--cpus", args->cpus, "CPU quota in cores")->capture_default_str();
  run->add_flag("--allow-weaker-isolation", args->weaker, "Run even where a limit cannot be enforced (reported)");
  add_common(run, *args);
  run->callback([args] { run_sandbox(*args); });

  CLI::App* check = sandbox->add_subcommand("check", "Which isolation features this host supports");
  add_common(check, *args);
  check->callback([args] { run_check(*args); });
});

}  // namespace
}  // namespace agentcoder::cli
