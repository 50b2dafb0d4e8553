// A small driver the tests run in a separate process: as an unprivileged
// user, or as a supervisor that gets killed mid-run. It builds a sandbox from
// its flags, runs one program and prints the result as key=value lines.
//
//   sandbox_probe [--cold] [--weak] [--cgroup-parent P] [--wall S] [--announce] CODE
//
// --announce prints "running" (and flushes) just before the run starts.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "sandbox/sandbox.h"

using namespace agentcoder::sandbox;

int main(int argc, char** argv) {
  SandboxOptions options;
  ExecRequest request;
  bool announce = false;
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; ++i) {
    std::string a = argv[i];
    if (a == "--cold") options.warm = false;
    else if (a == "--weak") options.allow_weaker_isolation = true;
    else if (a == "--announce") announce = true;
    else if (a == "--cgroup-parent" && i + 1 < argc) options.cgroup_parent = argv[++i];
    else if (a == "--wall" && i + 1 < argc) request.limits.wall_seconds = std::stod(argv[++i]);
    else {
      std::fprintf(stderr, "sandbox_probe: unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  if (i + 1 != argc) {
    std::fprintf(stderr, "sandbox_probe: give the code as the one argument\n");
    return 2;
  }
  request.code = argv[i];
  try {
    auto sandbox = make_sandbox(options);
    for (const SlotInfo& s : sandbox->slots()) {
      std::printf("launcher=%d\nzygote=%d\nhost_uid=%u\n", s.launcher_pid, s.zygote_pid, s.host_uid);
      for (const std::string& d : s.cgroup_dirs) std::printf("cgroup=%s\n", d.c_str());
    }
    if (announce) std::printf("running\n");
    std::fflush(stdout);
    ExecResult r = sandbox->run(request);
    std::printf("exit=%d\nsignal=%d\ntimed_out=%d\noom=%d\nwarm=%d\n", r.exit_code, r.signal, r.timed_out,
                r.oom_killed, r.warm);
    for (const std::string& m : r.missing_protections) std::printf("missing=%s\n", m.c_str());
    std::printf("stdout=%s", r.stdout_data.c_str());
    std::printf("\nstderr=%s\n", r.stderr_data.c_str());
    return 0;
  } catch (const SandboxUnavailable& e) {
    std::printf("unavailable=%s\n", e.what());
    return 3;
  } catch (const std::exception& e) {
    std::printf("error=%s\n", e.what());
    return 1;
  }
}
