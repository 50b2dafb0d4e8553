// bench/sandbox: what the sandbox costs per execution, against plain Python
// measured in the same run.
//
//   sandbox_bench [--rounds N] [--throughput-runs M] [--tool-calls K] [--tool-gap-ms G] [--python P]
//
// Rounds are interleaved (each round runs every variant once, in a random
// order) so drift on a shared or virtual machine hits all variants alike:
//   plain  posix_spawn of `P -I -S -c 'print(1)'`, stdout read through a pipe
//   cold   the native sandbox, a fresh interpreter per run (its own sandbox)
//   warm   the native sandbox, forked from the slot's zygote
// Then M warm runs from 2 threads give executions per second, and each
// sandboxed tool (python, math) is called --tool-calls times on the warm
// sandbox for its per-call cost (math's first, cold, call is shown apart: it
// starts the slot whose zygote has SymPy imported); --tool-gap-ms G waits G
// ms before each call, as an agent's call comes after a model's reply, so a
// call finds its slot's next run prepared (back to back, a call may wait for
// the preparation of the slot's next run). It prints p50 and p95 in ms and the
// ratios the issue sets as targets.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "sandbox/sandbox.h"
#include "tools/math_tool.h"
#include "tools/python_tool.h"

using namespace agentcoder::sandbox;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

double plain_python(const std::string& python) {
  auto start = Clock::now();
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) std::abort();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 1);
  char* argv[] = {const_cast<char*>(python.c_str()), const_cast<char*>("-I"), const_cast<char*>("-S"),
                  const_cast<char*>("-c"), const_cast<char*>("print(1)"), nullptr};
  char env0[] = "LANG=C.UTF-8";
  char* envp[] = {env0, nullptr};
  pid_t pid;
  if (posix_spawn(&pid, python.c_str(), &fa, nullptr, argv, envp) != 0) std::abort();
  posix_spawn_file_actions_destroy(&fa);
  close(p[1]);
  char buf[64];
  std::string out;
  ssize_t n;
  while ((n = read(p[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(p[0]);
  int status;
  waitpid(pid, &status, 0);
  double ms = ms_since(start);
  if (out != "1\n") {
    std::fprintf(stderr, "plain python printed '%s'\n", out.c_str());
    std::exit(1);
  }
  return ms;
}

double sandboxed(Sandbox& sb, bool cold) {
  ExecRequest r;
  r.code = "print(1)";
  r.force_cold = cold;
  auto start = Clock::now();
  ExecResult res = sb.run(r);
  double ms = ms_since(start);
  if (res.stdout_data != "1\n") {
    std::fprintf(stderr, "sandbox printed '%s' (stderr %s)\n", res.stdout_data.c_str(), res.stderr_data.c_str());
    std::exit(1);
  }
  return ms;
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 300, throughput_runs = 1000, tool_calls = 50, tool_gap_ms = 0;
  std::string python = "/usr/bin/python3";
  for (int i = 1; i < argc; i += 2) {
    bool ok = i + 1 < argc;
    if (ok && !std::strcmp(argv[i], "--rounds")) ok = (rounds = std::atoi(argv[i + 1])) > 0;
    else if (ok && !std::strcmp(argv[i], "--throughput-runs")) ok = (throughput_runs = std::atoi(argv[i + 1])) > 0;
    else if (ok && !std::strcmp(argv[i], "--tool-calls")) ok = (tool_calls = std::atoi(argv[i + 1])) > 0;
    else if (ok && !std::strcmp(argv[i], "--tool-gap-ms")) ok = (tool_gap_ms = std::atoi(argv[i + 1])) >= 0;
    else if (ok && !std::strcmp(argv[i], "--python")) python = argv[i + 1];
    else ok = false;
    if (!ok) {
      std::fprintf(stderr, "sandbox_bench: bad argument '%s'; usage: %s [--rounds N] [--throughput-runs M] [--tool-calls K] "
                   "[--tool-gap-ms G] [--python P]\n",
                   argv[i], argv[0]);
      return 2;
    }
  }
  SandboxOptions options;
  options.python = python;
  options.max_concurrent_runs = 2;
  // Separate sandboxes, so the warm slot preparing its next run never shares
  // a slot with a cold run being measured.
  std::unique_ptr<Sandbox> sb, cold_sb;
  try {
    sb = make_sandbox(options);
    SandboxOptions cold_options = options;
    cold_options.warm = false;
    cold_options.max_concurrent_runs = 1;
    cold_sb = make_sandbox(cold_options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }

  for (int i = 0; i < 10; ++i) {
    plain_python(python);
    sandboxed(*cold_sb, true);
    sandboxed(*sb, false);
  }
  std::vector<double> plain, cold, warm;
  std::mt19937 rng(42);
  int order[3] = {0, 1, 2};
  for (int r = 0; r < rounds; ++r) {
    std::shuffle(order, order + 3, rng);
    for (int v : order) {
      if (v == 0) plain.push_back(plain_python(python));
      if (v == 1) cold.push_back(sandboxed(*cold_sb, true));
      if (v == 2) warm.push_back(sandboxed(*sb, false));
    }
  }

  // Throughput: two workers, warm path.
  for (int i = 0; i < 20; ++i) sandboxed(*sb, false);  // both slots started
  std::atomic<int> next{0};
  auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int w = 0; w < 2; ++w)
    workers.emplace_back([&] {
      while (next.fetch_add(1) < throughput_runs) sandboxed(*sb, false);
    });
  for (auto& t : workers) t.join();
  double seconds = ms_since(start) / 1000.0;
  double per_second = throughput_runs / seconds;

  // Per-call cost of each sandboxed tool, through the tool itself.
  std::shared_ptr<Sandbox> shared(std::move(sb));
  namespace t = agentcoder::tools;
  t::PythonTool python_tool(shared, t::PythonToolOptions{});
  t::MathTool math_tool(shared, t::MathToolOptions{});
  auto call = [tool_gap_ms](t::Tool& tool, const nlohmann::json& args, const char* expect) {
    std::this_thread::sleep_for(std::chrono::milliseconds(tool_gap_ms));
    auto start = Clock::now();
    t::ToolResult r = tool.invoke(args);
    double ms = ms_since(start);
    if (!r.ok || r.text.find(expect) == std::string::npos) {
      std::fprintf(stderr, "%s tool answered '%s' (%s)\n", tool.name().c_str(), r.text.c_str(), r.error_class.c_str());
      std::exit(1);
    }
    return ms;
  };
  const nlohmann::json python_args = {{"code", "print(6 * 7)"}};
  const nlohmann::json math_args = {{"operation", "solve"}, {"expression", "x**2 - 4"}, {"variable", "x"}};
  double math_first = call(math_tool, math_args, "x = 2");
  std::vector<double> python_calls, math_calls;
  for (int i = 0; i < tool_calls; ++i) {
    python_calls.push_back(call(python_tool, python_args, "42"));
    math_calls.push_back(call(math_tool, math_args, "x = 2"));
  }

  double plain50 = percentile(plain, 0.5), cold50 = percentile(cold, 0.5), warm50 = percentile(warm, 0.5);
  std::printf("sandbox bench: %d interleaved rounds, print(1), %s, %u CPUs\n\n", rounds, python.c_str(),
              std::thread::hardware_concurrency());
  std::printf("| variant | p50 ms | p95 ms |\n|---|---|---|\n");
  std::printf("| plain `%s -I -S -c 'print(1)'` | %.2f | %.2f |\n", python.c_str(), plain50, percentile(plain, 0.95));
  std::printf("| sandbox, cold path | %.2f | %.2f |\n", cold50, percentile(cold, 0.95));
  std::printf("| sandbox, warm path | %.2f | %.2f |\n\n", warm50, percentile(warm, 0.95));
  std::printf("warm, 2 workers: %d executions in %.2f s = %.0f executions/s\n\n", throughput_runs, seconds, per_second);
  std::printf("| tool call (warm, %d calls each, interleaved, %d ms apart) | p50 ms | p95 ms |\n|---|---|---|\n",
              tool_calls, tool_gap_ms);
  std::printf("| python `print(6 * 7)` | %.2f | %.2f |\n", percentile(python_calls, 0.5), percentile(python_calls, 0.95));
  std::printf("| math solve x**2 - 4 | %.2f | %.2f |\n", percentile(math_calls, 0.5), percentile(math_calls, 0.95));
  std::printf("| math, first call (starts a SymPy slot) | %.2f | |\n\n", math_first);
  std::printf("ratios against the targets:\n");
  std::printf("  warm p50 / 5 ms                    = %.2f  (target <= 1)\n", warm50 / 5.0);
  std::printf("  cold p50 / plain p50               = %.2f  (target <= 1.5)\n", cold50 / plain50);
  std::printf("  warm p50 / plain p50               = %.2f  (target <= 0.4)\n", warm50 / plain50);
  std::printf("  math call p50 / 20 ms              = %.2f  (target <= 1)\n", percentile(math_calls, 0.5) / 20.0);
  std::printf("  warm executions/s (2 workers) / 150 = %.2f  (target >= 1)\n", per_second / 150.0);
  return 0;
}
