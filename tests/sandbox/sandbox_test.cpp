// Positive controls and per-call behaviour of the native sandbox: ordinary
// programs give the right output on both paths, limits are per call, results
// carry what they promise, and many threads can run at once.
#include <gtest/gtest.h>
#include <signal.h>

#include <future>
#include <set>

#include "leftovers.h"
#include "process_helpers.h"
#include "sandbox/host_check.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp_policy.h"
#include "utils/errors.h"

namespace agentcoder::sandbox::testing {
namespace {

class SandboxTest : public ::testing::TestWithParam<bool> {
 public:
  static void SetUpTestSuite() {
    SandboxOptions warm;
    warm.host_uid_base = unique_uid_base(2);
    warm_ = make_sandbox(warm).release();
    SandboxOptions cold = warm;
    cold.warm = false;
    cold.host_uid_base = unique_uid_base(3);
    cold_ = make_sandbox(cold).release();
  }
  static void TearDownTestSuite() {
    delete warm_;
    delete cold_;
  }

 protected:
  Sandbox& sandbox() { return GetParam() ? *warm_ : *cold_; }
  ExecResult run(const std::string& code, const std::string& input = "") {
    ExecRequest r;
    r.code = code;
    r.stdin_data = input;
    ExecResult result = sandbox().run(r);
    EXPECT_EQ(result.warm, GetParam());
    return result;
  }

  static Sandbox* warm_;
  static Sandbox* cold_;
};
Sandbox* SandboxTest::warm_ = nullptr;
Sandbox* SandboxTest::cold_ = nullptr;

TEST_P(SandboxTest, PrintsHello) {
  ExecResult r = run("print('hello, sandbox')");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.stdout_data, "hello, sandbox\n");
  EXPECT_EQ(r.stderr_data, "");
  EXPECT_TRUE(r.succeeded());
  EXPECT_GT(r.wall_seconds, 0);
  EXPECT_GT(r.peak_memory_bytes, 0u);
}

// The same program prints the same thing on every run (a fixed hash seed:
// set and dict-of-str orders do not change), so episodes are reproducible.
TEST_P(SandboxTest, OutputIsTheSameOnEveryRun) {
  const std::string code = "words = {'apple', 'banana', 'cherry', 'date', 'elderberry', 'fig'}\nprint(list(words), hash('x'))";
  ExecResult first = run(code);
  ASSERT_TRUE(first.succeeded()) << first.stderr_data;
  for (int i = 0; i < 4; ++i) EXPECT_EQ(run(code).stdout_data, first.stdout_data);
}

TEST_P(SandboxTest, ComputesWithTheStandardLibrary) {
  ExecResult r = run(R"PY(
import json, re, math, itertools, collections, fractions, decimal, datetime, hashlib, statistics, random
print(sum(range(10**6)))
print(math.factorial(20), fractions.Fraction(3, 12), decimal.Decimal('1.1') + decimal.Decimal('2.2'))
print(hashlib.sha256(b'abc').hexdigest()[:16], json.dumps({'a': [1, 2]}), re.sub(r'\d', '#', 'a1b2'))
print(statistics.median([3, 1, 2]), collections.Counter('aab').most_common(1))
)PY");
  EXPECT_EQ(r.stdout_data,
            "499999500000\n2432902008176640000 1/4 3.3\nba7816bf8f01cfea {\"a\": [1, 2]} a#b#\n2 [('a', 2)]\n")
      << r.stderr_data;
}

TEST_P(SandboxTest, ImportsDebianPackages) {
  ExecResult r = run("import sympy\nx = sympy.symbols('x')\nprint(sympy.integrate(2 * x, x))");
  EXPECT_EQ(r.stdout_data, "x**2\n") << r.stderr_data;
}

// What model-written data and numeric code imports (Debian's packages; BLAS
// is reached through /etc/alternatives).
TEST_P(SandboxTest, ImportsNumericPackages) {
  ExecResult r = run(R"PY(
import numpy, scipy.linalg, pandas
a = numpy.array([[2.0, 1.0], [1.0, 3.0]])
print(round(float(numpy.linalg.det(a)), 6), round(float(scipy.linalg.det(a)), 6))
print(pandas.DataFrame({'x': [1, 2, 3]})['x'].sum())
)PY");
  EXPECT_EQ(r.stdout_data, "5.0 5.0\n6\n") << r.stderr_data;
  EXPECT_EQ(r.exit_code, 0);
}

TEST_P(SandboxTest, ReadsStdin) {
  ExecResult r = run("import sys\ndata = sys.stdin.read()\nprint(len(data), data.upper(), end='')", "two\nlines\n");
  EXPECT_EQ(r.stdout_data, "10 TWO\nLINES\n");
}

TEST_P(SandboxTest, LargeStdinAndOutputRoundTrip) {
  std::string input(300000, 'z');
  ExecResult r = run("import sys\nsys.stdout.write(sys.stdin.read())", input);
  EXPECT_EQ(r.stdout_data, input);
  EXPECT_FALSE(r.stdout_truncated);
}

TEST_P(SandboxTest, UsesFilesInTmp) {
  ExecResult r = run(R"PY(
import os, tempfile
with open('/tmp/a.txt', 'w') as f: f.write('data')
d = tempfile.mkdtemp()
open(os.path.join(d, 'b'), 'w').write('x' * 1000)
print(open('/tmp/a.txt').read(), os.getcwd(), sorted(os.listdir('/tmp'))[0])
)PY");
  EXPECT_EQ(r.stdout_data, "data /tmp a.txt\n") << r.stderr_data;
}

TEST_P(SandboxTest, RunsThreadsAndProcessesWithinLimits) {
  ExecResult r = run(R"PY(
import threading, subprocess, sys, multiprocessing
out = []
ts = [threading.Thread(target=lambda i=i: out.append(i * i)) for i in range(8)]
for t in ts: t.start()
for t in ts: t.join()
p = subprocess.run([sys.executable, '-c', 'print(6 * 7)'], capture_output=True, text=True)
with multiprocessing.Pool(2) as pool:
    squares = pool.map(abs, [-1, -2, -3])
print(sorted(out), p.stdout.strip(), squares)
)PY");
  EXPECT_EQ(r.stdout_data, "[0, 1, 4, 9, 16, 25, 36, 49] 42 [1, 2, 3]\n") << r.stderr_data;
}

TEST_P(SandboxTest, LoopbackOfItsOwnWorks) {
  ExecResult r = run(R"PY(
import socket, threading
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen()
def serve():
    c, _ = srv.accept(); c.sendall(c.recv(5).upper()); c.close()
threading.Thread(target=serve).start()
cli = socket.create_connection(srv.getsockname())
cli.sendall(b'hello'); print(cli.recv(5).decode())
)PY");
  EXPECT_EQ(r.stdout_data, "HELLO\n") << r.stderr_data;
}

TEST_P(SandboxTest, ReportsExitCodesAndTracebacks) {
  ExecResult r = run("import sys\nprint('partial')\nsys.exit(3)");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.stdout_data, "partial\n");
  EXPECT_FALSE(r.succeeded());
  r = run("def f():\n    return 1 / 0\nf()");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.stderr_data.find("ZeroDivisionError"), std::string::npos);
  EXPECT_NE(r.stderr_data.find("line 2, in f"), std::string::npos);
  r = run("def broken(:\n    pass");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.stderr_data.find("SyntaxError"), std::string::npos);
  r = run("import ctypes\nctypes.string_at(0)");
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.signal, SIGSEGV);
}

// The program is not its namespace's init, so it dies of the signals it
// sends itself as under plain Python: os.abort() is SIGABRT, not the SIGSEGV
// of glibc's last resort, and a signal it sends itself is that signal.
TEST_P(SandboxTest, DiesOfTheSignalsItSendsItself) {
  ExecResult r = run("import os\nprint('aborting', flush=True)\nos.abort()");
  EXPECT_EQ(r.stdout_data, "aborting\n");
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.signal, SIGABRT);
  for (int sig : {SIGKILL, SIGTERM, SIGUSR1}) {
    r = run("import os\nos.kill(os.getpid(), " + std::to_string(sig) + ")\nimport time\ntime.sleep(3)\nprint('alive')");
    EXPECT_EQ(r.signal, sig) << r.stderr_data;
    EXPECT_EQ(r.stdout_data, "");
    EXPECT_FALSE(r.timed_out);
  }
  // A child's death is the child's, as before: the program reports it.
  r = run("import os, signal\npid = os.fork()\nif pid == 0:\n    os.abort()\n"
          "print(os.WTERMSIG(os.waitpid(pid, 0)[1]) == signal.SIGABRT)");
  EXPECT_EQ(r.stdout_data, "True\n") << r.stderr_data;
  EXPECT_EQ(r.exit_code, 0);
}

// The run's init (pid 1) forks the program and reaps; the program cannot
// signal it, read its memory or its descriptors, and it holds nothing.
TEST_P(SandboxTest, TheRunsInitIsOutOfReach) {
  ExecResult r = run(R"PY(
import os, signal, time
print(os.getpid(), os.getppid(), open('/proc/1/comm').read().strip())
for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGHUP, signal.SIGKILL):
    os.kill(1, sig)
time.sleep(0.2)
for path in ('/proc/1/mem', '/proc/1/environ', '/proc/1/fd'):
    try:
        os.listdir(path) if path.endswith('fd') else open(path, 'rb').read(1)
        print('read', path)
    except PermissionError:
        pass
print('still here')
)PY");
  EXPECT_EQ(r.stdout_data, "2 1 ac-sbx-init\nstill here\n") << r.stderr_data;
  EXPECT_EQ(r.exit_code, 0);
}

TEST_P(SandboxTest, PassesBinaryAndUnicodeOutput) {
  ExecResult r = run("import sys\nprint('héllo ✓')\nsys.stdout.flush()\nsys.stdout.buffer.write(b'\\xff\\x00end')");
  EXPECT_EQ(r.stdout_data, std::string("héllo ✓\n\xff\0end", 16));
}

TEST_P(SandboxTest, LimitsArePerCall) {
  const char* alloc = "b = bytearray(100 << 20)\nprint('allocated')";
  ExecRequest small;
  small.code = alloc;
  small.limits.memory_bytes = 64ull << 20;
  ExecResult r = sandbox().run(small);
  EXPECT_TRUE(r.oom_killed);
  EXPECT_EQ(r.signal, SIGKILL);
  ExecRequest big = small;
  big.limits.memory_bytes = 256ull << 20;
  r = sandbox().run(big);
  EXPECT_FALSE(r.oom_killed);
  EXPECT_EQ(r.stdout_data, "allocated\n");
  // What it added to its prepared process (src/sandbox/README.md): the 100
  // MiB, less the few pages of the prepared process it may have freed first.
  EXPECT_GT(r.peak_memory_bytes, 99ull << 20);

  ExecRequest slow;
  slow.code = "import time\ntime.sleep(0.6)\nprint('woke')";
  slow.limits.wall_seconds = 0.3;
  r = sandbox().run(slow);
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(r.wall_seconds, 0.55);
  slow.limits.wall_seconds = 2;
  r = sandbox().run(slow);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.stdout_data, "woke\n");

  ExecRequest loud;
  loud.code = "print('x' * 5000)";
  loud.limits.max_output_bytes = 1000;
  r = sandbox().run(loud);
  EXPECT_TRUE(r.stdout_truncated);
  EXPECT_EQ(r.stdout_data, std::string(1000, 'x'));
}

TEST_P(SandboxTest, CpuQuotaIsPerCall) {
  // A fixed amount of CPU work, 0.2 s. Under a quota of 0.1 CPU it cannot
  // finish in less than about 2 s of wall time, however idle the machine; with
  // a whole CPU it finishes much sooner, even on a machine busy with other
  // tests (a lower bound on CPU received would not be robust there).
  ExecRequest work;
  work.code = "import time\nwhile time.process_time() < 0.2: pass\nprint('done')";
  work.limits.wall_seconds = 10;
  work.limits.cpus = 0.1;
  ExecResult slow = sandbox().run(work);
  EXPECT_EQ(slow.stdout_data, "done\n") << slow.stderr_data;
  EXPECT_GT(slow.wall_seconds, 1.6);
  work.limits.cpus = 1.0;
  ExecResult fast = sandbox().run(work);
  EXPECT_EQ(fast.stdout_data, "done\n") << fast.stderr_data;
  EXPECT_LT(fast.wall_seconds, slow.wall_seconds / 1.5);
  EXPECT_GT(fast.cpu_seconds, 0.19);
}

TEST_P(SandboxTest, RejectsLimitsOutOfRange) {
  ExecRequest r;
  r.code = "print(1)";
  r.limits.memory_bytes = 1 << 20;
  EXPECT_THROW(sandbox().run(r), InputError);
  r.limits = Limits{};
  r.limits.wall_seconds = 0;
  EXPECT_THROW(sandbox().run(r), InputError);
  r.limits = Limits{};
  r.limits.cpus = 0;
  EXPECT_THROW(sandbox().run(r), InputError);
}

TEST_P(SandboxTest, ManyThreadsEachInTheirOwnSandbox) {
  constexpr int kThreads = 6, kRuns = 4;
  std::vector<std::future<std::vector<std::string>>> futures;
  for (int t = 0; t < kThreads; ++t)
    futures.push_back(std::async(std::launch::async, [&, t] {
      std::vector<std::string> outs;
      for (int i = 0; i < kRuns; ++i) {
        ExecRequest r;
        r.code = "import os\nopen('/tmp/mine', 'a').write('x')\nprint(" + std::to_string(t * 100 + i) +
                 ", len(open('/tmp/mine').read()), os.getpid())";
        outs.push_back(sandbox().run(r).stdout_data);
      }
      return outs;
    }));
  for (int t = 0; t < kThreads; ++t) {
    std::vector<std::string> outs = futures[t].get();
    for (int i = 0; i < kRuns; ++i)  // every run alone: its own /tmp, pid 2 (1 is its init)
      EXPECT_EQ(outs[i], std::to_string(t * 100 + i) + " 1 2\n");
  }
  EXPECT_LE(sandbox().slots().size(), 2 * std::max(1u, std::thread::hardware_concurrency()));
}

TEST_P(SandboxTest, ColdRunOnAWarmSandbox) {
  if (!GetParam()) GTEST_SKIP() << "only meaningful for the warm sandbox";
  ExecRequest r;
  r.code = "import sys\nprint(sorted(m for m in ('ctypes', 'socket') if m in sys.modules))";
  r.force_cold = true;
  ExecResult cold = sandbox().run(r);
  EXPECT_FALSE(cold.warm);
  EXPECT_EQ(cold.stdout_data, "[]\n");  // a fresh interpreter
  r.force_cold = false;
  ExecResult warm = sandbox().run(r);
  EXPECT_TRUE(warm.warm);
  EXPECT_EQ(warm.stdout_data, "['ctypes', 'socket']\n");  // forked from the zygote
}

// The preload code runs once, in the zygote; its rehearsals run in every
// prepared run before the request, and the run's counters start after them.
TEST_P(SandboxTest, PreloadRunsOnceAndRehearsalsBeforeEachRunOutsideItsCounters) {
  if (!GetParam()) GTEST_SKIP() << "cold runs ignore preloads";
  ExecRequest r;
  r.preload = {"time"};
  r.preload_code =
      "import sys, time, types\n"
      "marks = sys.modules['rehearsal_marks'] = types.ModuleType('rehearsal_marks')\n"
      "marks.preloads, marks.rehearsals = 1, 0\n"
      "def burn():  # 0.3 s of CPU in each prepared run\n"
      "    marks.rehearsals += 1\n"
      "    start = time.process_time()\n"
      "    while time.process_time() - start < 0.3:\n"
      "        pass\n"
      "rehearse(burn)\n";
  r.code = "import rehearsal_marks as m\nprint(m.preloads, m.rehearsals)";
  for (int i = 0; i < 3; ++i) {  // the first request comes while its run still prepares
    ExecResult result = sandbox().run(r);
    EXPECT_TRUE(result.warm);
    EXPECT_EQ(result.stdout_data, "1 1\n");
    EXPECT_LT(result.cpu_seconds, 0.15) << "run " << i;
  }
}

TEST_P(SandboxTest, NothingLeftAfterRuns) {
  auto mounts = host_mounts();
  run("import os\nif os.fork() == 0:\n    os.setsid()\n    import time; time.sleep(60)\nprint('bye')");
  Sandbox& other = GetParam() ? *cold_ : *warm_;
  std::set<std::string> other_groups;
  for (const SlotInfo& s : other.slots()) other_groups.insert(s.cgroup_dirs.begin(), s.cgroup_dirs.end());
  EXPECT_EQ(leftovers(sandbox(), mounts, true, other_groups), "");
}

INSTANTIATE_TEST_SUITE_P(Paths, SandboxTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "warm" : "cold"; });

// Separate supervisors map their sandboxes to separate host uids, so per-user
// kernel limits (inotify instances, RLIMIT_NPROC) are not shared between
// agentcoder processes.
TEST(HostUids, EachSupervisorHasItsOwnRange) {
  if (geteuid() != 0) GTEST_SKIP() << "only root maps the sandbox user to other host uids";
  auto sandbox = make_sandbox({});
  const uid_t mine = sandbox->slots().at(0).host_uid;
  EXPECT_EQ(mine, 1600000000u + static_cast<uid_t>(getpid() % (1 << 22)) * 256u);
  int status = 0;
  std::string out = finish(spawn({SANDBOX_PROBE, "print(1)"}, {}), status);
  ASSERT_EQ(status, 0) << out;
  ASSERT_NE(field(out, "host_uid"), "") << out;
  const uid_t other = static_cast<uid_t>(std::stoul(field(out, "host_uid")));
  EXPECT_GE(other > mine ? other - mine : mine - other, 256u) << "the two supervisors' ranges overlap";
}

TEST(SeccompPolicy, BuildsAndEveryRuleIsAccepted) {
  SeccompProgram p = build_seccomp_program();
  // 236 plain allows, clone, clone3, 3 socket families, 42 ioctl, 2 personality, 20 prctl rules.
  EXPECT_GT(p.rules_added, 300);
  EXPECT_GT(p.instructions.size(), 100u);
  EXPECT_LT(p.instructions.size(), 4096u);  // the kernel's BPF_MAXINSNS
}

TEST(HostCheck, DefaultsAreEnforceableHere) {
  HostReport report = check_host(SandboxOptions{});
  for (const HostFeature& f : report.features) EXPECT_TRUE(f.present || !f.required) << f.name << ": " << f.detail;
  EXPECT_TRUE(report.defaults_enforceable);
}

TEST(HostCheck, RefusesAVersionManagerShim) {
  SandboxOptions o;
  o.python = "/bin/sh";  // an ELF, but not Python
  EXPECT_THROW(make_sandbox(o), SandboxUnavailable);
  char script[] = "/tmp/agentcoder-shim-XXXXXX";
  int fd = mkstemp(script);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "#!/bin/sh\nexec python3 \"$@\"\n", 28), 28);
  close(fd);
  chmod(script, 0755);
  o.python = script;
  try {
    make_sandbox(o);
    ADD_FAILURE() << "a shell-script interpreter was accepted";
  } catch (const SandboxUnavailable& e) {
    EXPECT_NE(std::string(e.what()).find("shim"), std::string::npos) << e.what();
  }
  unlink(script);
  o.python = "python3";
  EXPECT_THROW(make_sandbox(o), SandboxUnavailable);
}

}  // namespace
}  // namespace agentcoder::sandbox::testing
