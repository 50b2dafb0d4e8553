#include "sandbox/launcher.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <linux/filter.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "sandbox/cgroups.h"
#include "sandbox/protocol.h"
#include "sandbox/root_fs.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp_policy.h"

extern "C" char** environ;

namespace agentcoder::sandbox {

extern const char kRunnerSource[];  // zygote.py, embedded at build time

namespace {

constexpr const char* kLauncherEnv = "AGENTCODER_SANDBOX_LAUNCHER";
constexpr uid_t kInsideId = 1000;

// Takes over a re-executed binary before main() (and before any other static
// initialiser of the executable that has no priority).
__attribute__((constructor(101))) void launcher_hook() {
  const char* value = std::getenv(kLauncherEnv);
  if (value && std::strcmp(value, "3") == 0) _exit(launcher_main(3));
}

int pidfd_signal(int pidfd, int sig) { return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0)); }

struct Launcher {
  LauncherConfig cfg;
  RootSpec root;
  SeccompProgram bpf;
  int sock = 3;
  int bpf_fd = -1;
  pid_t zygote = -1;
  int zygote_pidfd = -1;
  int cold = -1;  // the cold-run channel: requests from the supervisor, P/D/E to it
  // The next cold run, prepared up to its execve, reading its request from
  // the cold channel itself; it writes 'T' to `next_taken` once it has one,
  // and its init the run's RunDone once the program has ended.
  pid_t next = -1;
  int next_pidfd = -1, next_taken = -1, next_err = -1;
  std::string next_report;     // what `next_taken` gave so far
  bool next_reported = false;  // 'D' sent: the init reported before its exit
  bool next_taken_eof = false;
  int cold_runner = -1;  // the cold part of the runner, compiled (compile_cold_runner)
  std::vector<std::string> argv_cold, argv_zygote, env;
};

struct ChildArgs {
  const Launcher* l;
  bool zygote;
  int sync_read, sync_write, err_write;
  int fds[4];  // zygote: fds[0] is its socket; a cold run: the cold channel and its `taken` pipe
  RunRequest req;
};

[[noreturn]] void child_fail(int err_fd, const char* step) {
  char msg[256];
  int e = errno;
  int n = std::snprintf(msg, sizeof msg, "%s: %s", step, std::strerror(e));
  if (n > 0) (void)!write(err_fd, msg, static_cast<size_t>(std::min(n, 255)));
  _exit(127);
}

void set_limit(int resource, uint64_t soft, uint64_t hard) {
  rlimit r{static_cast<rlim_t>(soft), static_cast<rlim_t>(hard)};
  setrlimit(resource, &r);
}

int drop_capabilities() {
  for (int cap = 0; cap < 64; ++cap)
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) return -1;
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) return -1;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  return static_cast<int>(syscall(SYS_capset, &header, data));
}

std::string to_hex(const std::string& bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string from_hex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

std::vector<char*> pointers(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Drops what the program drops and loads its filter (nothing to exec here).
int drop_all(const Launcher& l) {
  if (drop_capabilities() != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  sock_fprog prog{static_cast<unsigned short>(l.bpf.instructions.size()),
                  reinterpret_cast<sock_filter*>(const_cast<uint64_t*>(l.bpf.instructions.data()))};
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

RunDone run_done(int wait_status, const rusage& ru) {
  RunDone done;
  done.wait_status = wait_status;
  done.cpu_usec = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
  done.max_rss_kb = ru.ru_maxrss;
  return done;
}

// pid 1 of a cold run: init of the run's pid namespace, so the program
// itself is not (an init ignores the signals it sends itself, and abort()
// would end in SIGSEGV). It holds only `status_fd` (the launcher's `taken`
// pipe), installs no signal handler (so the program cannot signal it), is
// not dumpable (the program cannot ptrace or read its memory), runs under
// the same drops and filter and reaps every orphan. When the program ends it
// kills and reaps the rest of the namespace, writes the run's RunDone to
// `status_fd` and only then exits: the launcher reports the run before this
// process's exit tears down the namespaces (about 1 ms), as the warm init
// does. pid 1 cannot die of the program's signal itself, hence the pipe.
[[noreturn]] void reaper_main(const Launcher& l, pid_t program, int status_fd, int err) {
  prctl(PR_SET_NAME, kRunInitComm, 0, 0, 0);
  int keep[2] = {std::min(status_fd, err), std::max(status_fd, err)};
  syscall(SYS_close_range, 0, keep[0] - 1, 0);
  if (keep[1] > keep[0] + 1) syscall(SYS_close_range, keep[0] + 1, keep[1] - 1, 0);
  syscall(SYS_close_range, keep[1] + 1, ~0u, 0);
  if (drop_all(l) != 0) child_fail(err, "drop privileges of the run's init");
  close(err);
  for (;;) {
    int status = 0;
    pid_t pid = wait4(-1, &status, __WALL, nullptr);
    if (pid == program) {
      kill(-1, SIGKILL);  // every process of the namespace but this one
      while (wait4(-1, nullptr, __WALL, nullptr) > 0 || errno == EINTR) {
      }
      rusage ru{};
      getrusage(RUSAGE_CHILDREN, &ru);
      RunDone done = run_done(status, ru);
      (void)!write(status_fd, &done, sizeof done);
      _exit(0);
    }
    if (pid < 0 && errno != EINTR) _exit(127);  // cannot happen: the program is a child
  }
}

// pid 1 of the new namespaces; runs in a copy of the single-threaded launcher.
int child_main(void* raw) {
  auto* a = static_cast<ChildArgs*>(raw);
  const Launcher& l = *a->l;
  // Keep the error pipe above every descriptor placed below.
  int err = fcntl(a->err_write, F_DUPFD_CLOEXEC, 100);
  if (err < 0) _exit(127);
  close(a->sync_write);
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  char go;
  if (read(a->sync_read, &go, 1) != 1) _exit(127);  // the launcher died first
  close(a->sync_read);

  if (l.cfg.privileged && setgroups(0, nullptr) != 0) child_fail(err, "setgroups");
  if (setresgid(kInsideId, kInsideId, kInsideId) != 0) child_fail(err, "setresgid");
  if (setresuid(kInsideId, kInsideId, kInsideId) != 0) child_fail(err, "setresuid");
  // /tmp and /dev/shm start read-only; a run mounts its own once its
  // request (with their caps) has come.
  if (const char* step = enter_root(l.root, TmpLimits{0, 0}, /*mask_proc=*/!a->zygote)) child_fail(err, step);
  if (bring_up_loopback() != 0) child_fail(err, "bring up lo");
  if (sethostname("sandbox", 7) != 0) child_fail(err, "sethostname");
  if (!a->zygote) {
    // pid 1 stays behind as the run's init (see reaper_main); the program
    // is its child, so it can die of the signals it sends itself.
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  // before the fork: no window for the program
    pid_t program = fork();
    if (program < 0) child_fail(err, "fork the program");
    if (program > 0) reaper_main(l, program, a->fds[1], err);
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    // Prepared: wait here for the request and the run's descriptors.
    prctl(PR_SET_NAME, "ac-sbx-ready", 0, 0, 0);
    std::string data;
    std::vector<int> fds;
    long n = receive_message(a->fds[0], data, fds);
    if (n <= 0) _exit(0);  // the launcher is gone or stopping
    if (data.size() != sizeof(RunRequest) || fds.size() != 4 || data.compare(0, 4, "RUN1") != 0) {
      errno = EPROTO;
      child_fail(err, "receive the request");
    }
    std::memcpy(&a->req, data.data(), sizeof a->req);
    (void)!write(a->fds[1], "T", 1);  // tells the launcher this one is a run now
    for (int i = 0; i < 4; ++i) a->fds[i] = fds[i];
    TmpLimits tmp{a->req.tmp_bytes, a->req.tmp_inodes};
    if (mount_tmp("/tmp", tmp) != 0) child_fail(err, "mount /tmp");
    if (mount_tmp("/dev/shm", tmp) != 0) child_fail(err, "mount /dev/shm");
  }
  if (setsid() < 0) child_fail(err, "setsid");

  // Put the descriptors in place: first out of the way, then onto 0..n-1.
  int wanted[5];
  int count = 0;
  if (a->zygote) {
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0) child_fail(err, "open /dev/null");
    wanted[0] = wanted[1] = wanted[2] = null_fd;
    wanted[3] = a->fds[0];  // the zygote's socket
    wanted[4] = l.bpf_fd;
    count = 5;
  } else {
    for (int i = 0; i < 4; ++i) wanted[i] = a->fds[i];
    wanted[4] = l.cold_runner;  // the interpreter runs it as /proc/self/fd/4; the runner closes it
    count = 5;
  }
  int moved[5];
  for (int i = 0; i < count; ++i) {
    moved[i] = fcntl(wanted[i], F_DUPFD_CLOEXEC, 64);
    if (moved[i] < 0) child_fail(err, "move descriptors");
  }
  for (int i = 0; i < count; ++i)
    if (dup2(moved[i], i) != i) child_fail(err, "dup2");
  // Close everything else but the error pipe (close-on-exec).
  if (err > count) syscall(SYS_close_range, count, err - 1, 0);
  syscall(SYS_close_range, err + 1, ~0u, 0);

  // 1, not 0: the kernel skips a pipe core handler only for a limit of 1
  // (0 stops file dumps alone), and no dump reaches the host with the run's
  // memory. Pinned: the hard limit cannot be raised, the filter refuses lowering it.
  set_limit(RLIMIT_CORE, 1, 1);
  if (!a->zygote) {
    const RunRequest& r = a->req;
    set_limit(RLIMIT_NOFILE, r.rlimit_nofile, r.rlimit_nofile);
    set_limit(RLIMIT_FSIZE, r.rlimit_fsize, r.rlimit_fsize);
    set_limit(RLIMIT_CPU, r.rlimit_cpu_seconds, r.rlimit_cpu_seconds + 1);
    set_limit(RLIMIT_MEMLOCK, 0, 0);
    set_limit(RLIMIT_MSGQUEUE, 0, 0);
    set_limit(RLIMIT_STACK, 8ull << 20, 8ull << 20);
  }
  if (drop_capabilities() != 0) child_fail(err, "drop capabilities");
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(err, "no_new_privs");
  if (!a->zygote) {
    sock_fprog prog{static_cast<unsigned short>(l.bpf.instructions.size()),
                    reinterpret_cast<sock_filter*>(const_cast<uint64_t*>(l.bpf.instructions.data()))};
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) child_fail(err, "load seccomp filter");
  }
  std::vector<char*> argv = pointers(a->zygote ? l.argv_zygote : l.argv_cold);
  std::vector<char*> envp = pointers(l.env);
  execve(l.cfg.python.c_str(), argv.data(), envp.data());
  child_fail(err, "execve the interpreter");
}

bool write_id_maps(pid_t pid, const LauncherConfig& cfg) {
  std::string proc = "/proc/" + std::to_string(pid);
  if (!cfg.privileged && !write_text_file(proc + "/setgroups", "deny")) return false;
  return write_text_file(proc + "/uid_map", std::to_string(kInsideId) + " " + std::to_string(cfg.host_uid) + " 1") &&
         write_text_file(proc + "/gid_map", std::to_string(kInsideId) + " " + std::to_string(cfg.host_gid) + " 1");
}

// Clones a sandbox. On success returns its pid and sets `pidfd`; on failure
// returns -1 with `error` set (the child, if any, has been reaped).
pid_t start_child(const Launcher& l, bool zygote, const int* fds, const RunRequest& req, int& pidfd,
                  std::string& error, int* err_out = nullptr) {
  int sync[2], errp[2];
  if (pipe2(sync, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return -1;
  }
  if (pipe2(errp, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    close(sync[0]);
    close(sync[1]);
    return -1;
  }
  ChildArgs args{&l, zygote, sync[0], sync[1], errp[1], {fds[0], zygote ? -1 : fds[1], -1, -1}, req};
  static thread_local std::vector<char> stack(1 << 18);
  int flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS |
              CLONE_NEWCGROUP | CLONE_PIDFD | SIGCHLD;
  pidfd = -1;
  pid_t pid = clone(child_main, stack.data() + stack.size(), flags, &args, &pidfd);
  close(sync[0]);
  close(errp[1]);
  if (pid < 0) {
    error = std::string("clone with new namespaces: ") + std::strerror(errno);
    close(sync[1]);
    close(errp[0]);
    return -1;
  }
  bool mapped = write_id_maps(pid, l.cfg);
  int map_errno = errno;
  if (mapped) (void)!write(sync[1], "x", 1);
  close(sync[1]);
  if (mapped && err_out) {
    *err_out = errp[0];  // read when the run ends
    return pid;
  }
  char msg[256];
  ssize_t n = read(errp[0], msg, sizeof msg);  // EOF at a successful execve
  close(errp[0]);
  if (!mapped || n > 0) {
    error = mapped ? std::string(msg, static_cast<size_t>(n)) : std::string("write uid/gid map: ") + std::strerror(map_errno);
    pidfd_signal(pidfd, SIGKILL);
    waitpid(pid, nullptr, 0);
    close(pidfd);
    return -1;
  }
  return pid;
}

// The cold part of the runner, compiled by `python` into a sealed memfd
// holding a .pyc; -1 with `error` set on failure. A cold run's interpreter
// runs it (/proc/self/fd/4) instead of compiling 180 lines of source, about
// 2 ms of every cold run. The same interpreter compiles it, once per
// launcher, outside any sandbox: trusted source and no input.
int compile_cold_runner(const std::string& python, const std::string& source, std::string& error) {
  static const char kCompile[] =
      "import marshal, sys\n"
      "from importlib.util import MAGIC_NUMBER\n"
      "code = compile(sys.stdin.buffer.read(), '<string>', 'exec')\n"
      "sys.stdout.buffer.write(MAGIC_NUMBER + bytes(12) + marshal.dumps(code))\n";
  int out = memfd_create("cold-runner.pyc", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  int in[2] = {-1, -1};
  if (out < 0 || pipe2(in, O_CLOEXEC) != 0) {
    error = std::string("compile the cold runner: ") + std::strerror(errno);
    if (out >= 0) close(out);
    return -1;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out, 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  char* argv[] = {const_cast<char*>("python3"), const_cast<char*>("-I"), const_cast<char*>("-S"),
                  const_cast<char*>("-c"), const_cast<char*>(kCompile), nullptr};
  char* envp[] = {nullptr};
  pid_t pid = -1;
  int rc = posix_spawn(&pid, python.c_str(), &actions, nullptr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  for (size_t at = 0; rc == 0 && at < source.size();) {
    ssize_t n = write(in[1], source.data() + at, source.size() - at);
    if (n <= 0) break;  // the interpreter failed: its exit status says so
    at += static_cast<size_t>(n);
  }
  close(in[1]);
  int status = 0;
  if (rc == 0) waitpid(pid, &status, 0);
  struct stat st {};
  if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || fstat(out, &st) != 0 || st.st_size <= 16 ||
      fcntl(out, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0) {
    error = "cannot compile the cold runner with " + python;
    close(out);
    return -1;
  }
  return out;
}

void send_error(int sock, const std::string& text) {
  std::string msg = "E" + text;
  send_message(sock, msg.data(), msg.size());
}

void reap(pid_t& pid, int& pidfd, bool kill_first) {
  if (pid <= 0) return;
  if (kill_first) pidfd_signal(pidfd, SIGKILL);
  waitpid(pid, nullptr, 0);
  close(pidfd);
  pid = -1;
  pidfd = -1;
}

// The supervisor is gone: leave nothing behind.
void drop_next(Launcher& l);

[[noreturn]] void orphaned(Launcher& l) {
  drop_next(l);
  reap(l.zygote, l.zygote_pidfd, true);
  for (const std::string& dir : l.cfg.cgroup_dirs) {
    std::string parent = dir.substr(0, dir.rfind('/'));
    write_text_file(parent + "/cgroup.procs", "0");
  }
  for (const std::string& dir : l.cfg.cgroup_dirs) rmdir(dir.c_str());
  _exit(0);
}

// Clones the next cold run, which builds its sandbox and then takes the
// next request off the cold channel itself: a request pays for exec only.
// Its pidfd goes out at once ('P'), ahead of the request it will serve.
void prepare_next(Launcher& l) {
  if (l.next > 0) return;
  int taken[2];
  if (pipe2(taken, O_CLOEXEC) != 0) {
    send_error(l.cold, std::string("sandbox setup failed: pipe: ") + std::strerror(errno));
    return;
  }
  std::string error;
  RunRequest none;
  int fds[2] = {l.cold, taken[1]};
  l.next = start_child(l, false, fds, none, l.next_pidfd, error, &l.next_err);
  close(taken[1]);
  if (l.next < 0) {
    close(taken[0]);
    send_error(l.cold, "sandbox setup failed: " + error);
    return;
  }
  l.next_taken = taken[0];
  send_message(l.cold, "P", 1, &l.next_pidfd, 1);
}

void drop_next(Launcher& l) {
  if (l.next <= 0) return;
  reap(l.next, l.next_pidfd, true);
  close(l.next_taken);
  close(l.next_err);
  l.next_taken = l.next_err = -1;
  l.next_report.clear();
  l.next_reported = l.next_taken_eof = false;
}

// The error a failed child wrote before exiting, if any.
std::string child_error(int err_fd) {
  char msg[256];
  ssize_t n = read(err_fd, msg, sizeof msg);
  return n > 0 ? std::string(msg, static_cast<size_t>(n)) : "";
}

// What `next_taken` holds once a run is over: 'T', then the init's RunDone.
constexpr size_t kTakenReport = 1 + sizeof(RunDone);

void send_done(Launcher& l, const RunDone& done) {
  char msg[1 + sizeof done];
  msg[0] = 'D';
  std::memcpy(msg + 1, &done, sizeof done);
  send_message(l.cold, msg, sizeof msg);
}

// Reads what `next_taken` has (it is readable); reports the run ('D') as
// soon as its init's RunDone is complete, before the init exits.
void read_taken(Launcher& l) {
  char buf[kTakenReport];
  ssize_t n = read(l.next_taken, buf, kTakenReport - l.next_report.size());
  if (n <= 0) {
    l.next_taken_eof = n == 0 || errno != EINTR;
    return;
  }
  l.next_report.append(buf, static_cast<size_t>(n));
  if (l.next_report.size() == kTakenReport && l.next_report[0] == 'T') {
    RunDone done;
    std::memcpy(&done, l.next_report.data() + 1, sizeof done);
    send_done(l, done);
    l.next_reported = true;
  }
}

// The prepared cold child ended: report its run unless its init did, then
// prepare the next (its 'P' once this run's namespaces are gone).
void handle_next_exit(Launcher& l) {
  int status = 0;
  rusage ru{};
  if (wait4(l.next, &status, 0, &ru) != l.next) return;
  while (!l.next_reported && !l.next_taken_eof) read_taken(l);  // every writer is gone: EOF ends it
  bool was_run = !l.next_report.empty() && l.next_report[0] == 'T';
  std::string error = child_error(l.next_err);  // EOF (empty) once execve succeeded
  close(l.next_taken);
  close(l.next_err);
  close(l.next_pidfd);
  l.next = l.next_pidfd = l.next_taken = l.next_err = -1;
  bool reported = l.next_reported;
  l.next_report.clear();
  l.next_reported = l.next_taken_eof = false;
  if (!error.empty()) {
    // The supervisor drops the slot when it reads this; do not loop.
    send_error(l.cold, "sandbox setup failed: " + error);
    return;
  }
  if (was_run && !reported) {
    send_done(l, run_done(status, ru));  // the init was killed (the deadline, an OOM) before it could report
  }
  prepare_next(l);  // (one that died idle is simply replaced; its 'P' is superseded)
}

}  // namespace

std::string LauncherConfig::encode() const {
  std::ostringstream out;
  out << "python=" << python << "\n";
  for (const auto& p : sys_path) out << "syspath=" << p << "\n";
  for (const auto& d : extra_dirs) out << "bind=" << d << "\n";
  for (const auto& d : cgroup_dirs) out << "cgroup=" << d << "\n";
  for (const auto& m : preload) out << "preload=" << m << "\n";
  if (!preload_code.empty()) out << "preload_code=" << to_hex(preload_code) << "\n";
  out << "uid=" << host_uid << "\ngid=" << host_gid << "\nprivileged=" << privileged << "\nwarm=" << warm << "\n";
  return out.str();
}

LauncherConfig LauncherConfig::decode(const std::string& text) {
  LauncherConfig c;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "python") c.python = value;
    else if (key == "syspath") c.sys_path.push_back(value);
    else if (key == "bind") c.extra_dirs.push_back(value);
    else if (key == "cgroup") c.cgroup_dirs.push_back(value);
    else if (key == "preload") c.preload.push_back(value);
    else if (key == "preload_code") c.preload_code = from_hex(value);
    else if (key == "uid") c.host_uid = static_cast<uid_t>(std::stoul(value));
    else if (key == "gid") c.host_gid = static_cast<gid_t>(std::stoul(value));
    else if (key == "privileged") c.privileged = value == "1";
    else if (key == "warm") c.warm = value == "1";
  }
  return c;
}

namespace {
std::string& launcher_path() {
  static std::string path = "/proc/self/exe";
  return path;
}
}  // namespace

void set_launcher_executable(const std::string& path) { launcher_path() = path; }
const std::string& launcher_executable() { return launcher_path(); }

pid_t spawn_launcher(int sock) {
  int fd = sock;
  if (fd == 3) {  // dup2(3, 3) would keep close-on-exec set
    fd = fcntl(sock, F_DUPFD_CLOEXEC, 10);
    if (fd < 0) throw std::runtime_error(std::string("sandbox: dup: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fd, 3);
  for (int target = 0; target < 3; ++target)
    posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_RDWR, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  char arg0[] = "agentcoder-sandbox-launcher";
  char env0[] = "AGENTCODER_SANDBOX_LAUNCHER=3";
  char* argv[] = {arg0, nullptr};
  char* envp[] = {env0, nullptr};
  pid_t pid;
  int rc = posix_spawn(&pid, launcher_executable().c_str(), &actions, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (fd != sock) close(fd);
  if (rc != 0) throw std::runtime_error(std::string("sandbox: cannot start the launcher: ") + std::strerror(rc));
  return pid;
}

int launcher_main(int sock) {
  unsetenv(kLauncherEnv);
  syscall(SYS_close_range, 4, ~0u, 0);
  prctl(PR_SET_NAME, kLauncherComm, 0, 0, 0);
  signal(SIGPIPE, SIG_IGN);
  Launcher l;
  l.sock = sock;
  std::string data;
  std::vector<int> fds;
  if (receive_message(sock, data, fds) <= 0) return 1;
  try {
    l.cfg = LauncherConfig::decode(data);
    if (l.cfg.privileged) write_text_file("/proc/self/oom_score_adj", "0");  // also resets the floor
    l.root = make_root_spec(l.cfg.extra_dirs);
    l.bpf = build_seccomp_program();
  } catch (const std::exception& e) {
    send_error(sock, e.what());
    return 1;
  }
  // PYTHONHASHSEED=0: set and dict-of-str orders (and so a program's output)
  // are the same on every run, so the same episode gives the same tool
  // output. Python reads it because the environment is wholly ours (-s, not -I).
  l.env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "TMPDIR=/tmp", "LANG=C.UTF-8", "USER=sandbox",
           "PYTHONHASHSEED=0"};
  // A cold run runs only the part of the runner before the zygote's.
  std::string runner = kRunnerSource;
  size_t cut = runner.find("\n# ---- zygote");
  if (cut == std::string::npos) {
    send_error(sock, "launcher: the embedded runner has no zygote marker");
    return 1;
  }
  std::string error;
  l.cold_runner = compile_cold_runner(l.cfg.python, runner.substr(0, cut + 1), error);
  if (l.cold_runner < 0) {
    send_error(sock, "launcher: " + error);
    return 1;
  }
  l.argv_cold = {"python3", "-s", "-S", "-B", "/proc/self/fd/4", "cold"};
  l.argv_cold.insert(l.argv_cold.end(), l.cfg.sys_path.begin(), l.cfg.sys_path.end());
  l.argv_zygote = {"python3", "-s", "-S", "-B", "-c", runner, "zygote"};
  l.argv_zygote.insert(l.argv_zygote.end(), l.cfg.sys_path.begin(), l.cfg.sys_path.end());
  // zygote=mod1,mod2;HEX: the modules to import, then the code to run (hex).
  if (!l.cfg.preload.empty() || !l.cfg.preload_code.empty()) {
    l.argv_zygote[6] += "=";
    for (size_t i = 0; i < l.cfg.preload.size(); ++i) l.argv_zygote[6] += (i ? "," : "") + l.cfg.preload[i];
    l.argv_zygote[6] += ";" + to_hex(l.cfg.preload_code);
  }

  if (fds.size() != (l.cfg.warm ? 2u : 1u)) {
    send_error(sock, "launcher: expected the cold channel (and, warm, the zygote's socket)");
    return 1;
  }
  l.cold = fds[0];
  if (l.cfg.warm) {
    l.bpf_fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
    size_t bytes = l.bpf.instructions.size() * 8;
    if (l.bpf_fd < 0 || write(l.bpf_fd, l.bpf.instructions.data(), bytes) != static_cast<ssize_t>(bytes)) {
      send_error(sock, std::string("launcher: memfd: ") + std::strerror(errno));
      return 1;
    }
    RunRequest none;
    l.zygote = start_child(l, true, &fds[1], none, l.zygote_pidfd, error);
    close(fds[1]);
    close(l.bpf_fd);
    if (l.zygote < 0) {
      send_error(sock, "zygote setup failed: " + error);
      return 1;
    }
  }
  prepare_next(l);
  std::string ready = "R" + std::to_string(l.zygote);
  send_message(sock, ready.data(), ready.size());

  for (;;) {
    int taken = l.next_reported || l.next_taken_eof ? -1 : l.next_taken;
    pollfd p[4] = {{sock, POLLIN, 0}, {l.next_pidfd, POLLIN, 0}, {l.zygote_pidfd, POLLIN, 0}, {taken, POLLIN, 0}};
    if (poll(p, 4, -1) < 0) {
      if (errno == EINTR) continue;
      orphaned(l);
    }
    if (p[3].revents) read_taken(l);
    if (p[1].revents) handle_next_exit(l);
    if (p[2].revents) reap(l.zygote, l.zygote_pidfd, false);
    if (p[0].revents) {
      fds.clear();
      long n = receive_message(sock, data, fds);
      for (int fd : fds) close(fd);
      if (n <= 0) orphaned(l);
      if (data == "Q") {
        drop_next(l);
        reap(l.zygote, l.zygote_pidfd, true);
        return 0;
      }
      send_error(sock, "launcher: unexpected message");
    }
  }
}

}  // namespace agentcoder::sandbox
