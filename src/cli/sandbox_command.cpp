// agentcoder sandbox run|check: run Python in the native sandbox, or report
// what isolation this host supports.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

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
#include "utils/utf8.h"

namespace agentcoder::cli {
namespace {

namespace sb = agentcoder::sandbox;

struct SandboxArgs {
  std::string file, code, stdin_file, python = "/usr/bin/python3", cgroup_parent = "agentcoder";
  double timeout = sb::Limits{}.wall_seconds;
  double memory_mb = static_cast<double>(sb::Limits{}.memory_bytes >> 20);
  double cpus = sb::Limits{}.cpus;
  bool json = false, weaker = false, warm = false;
};

std::string read_input(const std::string& flag, const std::string& path) {
  try {
    return read_file(path);
  } catch (const InputError& e) {
    throw InputError("sandbox run: " + flag + " " + e.what());
  }
}

// What --stdin may give the program: like the output limit, more than a
// test's input, far less than the machine.
constexpr size_t kMaxStdinBytes = 16u << 20;

// --stdin FILE: a file, or a pipe or FIFO (`--stdin /dev/stdin`), read to its
// end, at most kMaxStdinBytes, waiting at most `wait_seconds` for each chunk:
// a FIFO nobody writes to, or a device without end (/dev/zero), is refused
// instead of hanging the command.
std::string read_stdin_input(const std::string& path, double wait_seconds) {
  const std::string place = "sandbox run: --stdin " + path + ": ";
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) throw InputError(place + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw InputError(place + "is a directory, not a file");
  // Non-blocking, so that opening a FIFO without a writer returns at once.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw InputError(place + std::strerror(errno));
  std::string data;
  char buf[65536];
  const int wait_ms = static_cast<int>(std::min(wait_seconds, 3600.0) * 1000);
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      ::close(fd);
      throw InputError(place + "nothing to read for " + std::to_string(wait_ms / 1000) +
                       " s (a FIFO nobody writes to?)");
    }
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw InputError(place + std::strerror(err));
    }
    // poll() reports a FIFO without a writer only once a writer has come and gone.
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > kMaxStdinBytes) {
      ::close(fd);
      throw InputError(place + "more than " + std::to_string(kMaxStdinBytes >> 20) + " MiB");
    }
  }
  ::close(fd);
  return data;
}

// The program's output shown on the operator's terminal: control characters
// (escape sequences could retitle, recolour or rewrite the terminal) and
// ill-formed UTF-8 are shown as \xNN; newlines and tabs stay. --json gives
// the bytes as they are.
std::string escape_for_terminal(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  char hex[8];
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    // A well-formed UTF-8 sequence of a printable character passes whole;
    // C1 controls (U+0080..U+009F, e.g. CSI) do not.
    size_t len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    if (len > 0 && i + len <= text.size() && is_valid_utf8(std::string_view(text).substr(i, len)) &&
        !(c == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0)) {
      out.append(text, i, len);
      i += len;
      continue;
    }
    std::snprintf(hex, sizeof hex, "\\x%02x", c);
    out += hex;
    ++i;
  }
  return out;
}

sb::SandboxOptions options_from(const SandboxArgs& a) {
  sb::SandboxOptions o;
  o.python = a.python;
  o.cgroup_parent = a.cgroup_parent;
  // One run: a zygote only adds its start-up, but --warm takes the path
  // experiments take (a pre-started interpreter forks the run).
  o.warm = a.warm;
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
  // Ranges before anything is read; a NaN fails every comparison, so each is "in range" spelled positively.
  if (!(a.timeout > 0 && a.timeout <= 86400)) throw InputError("sandbox run: --timeout must be more than 0 and at most 86400 (s)");
  if (!(a.memory_mb >= 16 && a.memory_mb <= 1048576)) throw InputError("sandbox run: --memory must be between 16 and 1048576 (MB)");
  if (!(a.cpus > 0 && a.cpus <= 1024)) throw InputError("sandbox run: --cpus must be more than 0 and at most 1024");
  sb::ExecRequest req;
  req.code = a.file.empty() ? a.code : read_input("--file", a.file);
  if (!a.stdin_file.empty()) req.stdin_data = read_stdin_input(a.stdin_file, a.timeout);
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
                             {"missing_protections", r.missing_protections},
                             {"warm", r.warm}};
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    const std::string out = escape_for_terminal(r.stdout_data), err = escape_for_terminal(r.stderr_data);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    std::fwrite(err.data(), 1, err.size(), stderr);
    for (const std::string& m : r.missing_protections) std::fprintf(stderr, "sandbox: WARNING: not enforced: %s\n", m.c_str());
    std::fprintf(stderr, "sandbox: %s%s\n", describe(r).c_str(), r.warm ? " (warm)" : "");
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
  run->add_flag("--warm", args->warm, "Run through a warm sandbox (forked from a pre-started interpreter), as experiments do");
  add_common(run, *args);
  run->callback([args] { run_sandbox(*args); });

  CLI::App* check = sandbox->add_subcommand("check", "Which isolation features this host supports");
  add_common(check, *args);
  check->callback([args] { run_check(*args); });
});

}  // namespace
}  // namespace agentcoder::cli
