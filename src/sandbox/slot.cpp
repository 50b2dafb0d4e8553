#include "sandbox/slot.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>
#include <utility>

#include "sandbox/launcher.h"
#include "sandbox/protocol.h"

namespace agentcoder::sandbox {
namespace {

using Clock = std::chrono::steady_clock;

// A zygote is replaced after this many runs, so the address-space layout and
// hash secret its children share do not live forever.
constexpr unsigned kRunsPerZygote = 500;
// How long a killed run may take to be reaped before the slot is given up.
constexpr auto kReapGrace = std::chrono::seconds(5);

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

int pidfd_kill(int pidfd) { return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0)); }

void reap_with_grace(pid_t pid) {
  for (int i = 0; i < 400; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) != 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

// The stream side of a run's stdout or stderr.
struct Stream {
  int fd = -1;
  std::string* data = nullptr;
  bool* truncated = nullptr;

  // Reads what is there; returns false once the cap is exceeded.
  bool pump(uint64_t cap) {
    char buf[65536];
    for (;;) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
        close_fd(fd);
        return !*truncated;
      }
      if (n < 0) return !*truncated;
      size_t room = data->size() < cap ? cap - data->size() : 0;
      data->append(buf, std::min(room, static_cast<size_t>(n)));
      if (static_cast<size_t>(n) > room) *truncated = true;
    }
  }
};

// The descriptors of one run: the supervisor's ends of stdin (a socket),
// stdout and stderr (pipes), and the child's ends with a memfd holding the
// code, which go to the launcher or zygote. Closes what is still open.
struct RunFds {
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  int code = -1;

  RunFds() = default;
  RunFds(const RunFds&) = delete;
  RunFds& operator=(const RunFds&) = delete;
  ~RunFds() {
    for (int* fd : {&in[0], &in[1], &out[0], &out[1], &err[0], &err[1], &code}) close_fd(*fd);
  }

  // Throws std::runtime_error if a descriptor cannot be made.
  void open(const std::string& source) {
    code = memfd_create("code", MFD_CLOEXEC);
    bool ok = code >= 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) == 0 &&
              pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0;
    for (size_t off = 0; ok && off < source.size();) {
      ssize_t n = write(code, source.data() + off, source.size() - off);
      if (n <= 0) ok = false;
      else off += static_cast<size_t>(n);
    }
    ok = ok && lseek(code, 0, SEEK_SET) == 0;
    if (!ok) throw std::runtime_error(std::string("sandbox: cannot make the run's pipes: ") + std::strerror(errno));
  }

  // Once sent, the child's ends live in the run; the supervisor's never block.
  void close_child_ends() {
    close_fd(in[1]);
    close_fd(out[1]);
    close_fd(err[1]);
    close_fd(code);
    set_nonblocking(out[0]);
    set_nonblocking(err[0]);
    set_nonblocking(in[0]);
  }
};

const char* helper_name(bool warm) { return warm ? "zygote" : "launcher"; }

// Follows one sent run to its end: feeds its stdin, drains its stdout and
// stderr into the result, takes the run's end ('D') off the slot channel,
// and kills the run (through `pidfd`, the prepared run's 'P') at the wall
// deadline or an output cap.
class RunWatch {
 public:
  RunWatch(int chan, bool warm, int run_pidfd, const ExecRequest& request, RunFds& fds, ExecResult& result,
           Clock::time_point start)
      : chan(chan),
        helper(helper_name(warm)),
        stdin_data(request.stdin_data),
        max_output(request.limits.max_output_bytes),
        timed_out(result.timed_out),
        deadline(start + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(request.limits.wall_seconds))) {
    std::swap(stdin_fd, fds.in[0]);
    streams[0] = {-1, &result.stdout_data, &result.stdout_truncated};
    streams[1] = {-1, &result.stderr_data, &result.stderr_truncated};
    std::swap(streams[0].fd, fds.out[0]);
    std::swap(streams[1].fd, fds.err[0]);
    pidfd = run_pidfd;
    if (stdin_data.empty()) shutdown(stdin_fd, SHUT_WR);
  }
  RunWatch(const RunWatch&) = delete;
  RunWatch& operator=(const RunWatch&) = delete;
  ~RunWatch() {
    for (int* fd : {&stdin_fd, &streams[0].fd, &streams[1].fd, &pidfd}) close_fd(*fd);
  }

  // Returns when the run is done, or when it cannot be followed any more
  // (`error` says why): a poll error, the launcher or zygote gone, an 'E'
  // reply, or a run still there after SIGKILL.
  void follow() {
    while (!done) {
      pollfd p[4];
      int np = 0;
      int idx_out = -1, idx_err = -1, idx_in = -1;
      if (streams[0].fd >= 0) idx_out = np, p[np++] = {streams[0].fd, POLLIN, 0};
      if (streams[1].fd >= 0) idx_err = np, p[np++] = {streams[1].fd, POLLIN, 0};
      if (stdin_fd >= 0 && stdin_off < stdin_data.size()) idx_in = np, p[np++] = {stdin_fd, POLLOUT, 0};
      const int idx_chan = np;
      p[np++] = {chan, POLLIN, 0};
      int rc = poll(p, static_cast<nfds_t>(np), poll_timeout_ms());
      if (rc < 0 && errno != EINTR) {
        error = std::string("poll: ") + std::strerror(errno);
        break;
      }
      if (!check_deadlines()) break;
      if (rc <= 0) continue;
      for (auto [idx, s] : {std::pair{idx_out, &streams[0]}, std::pair{idx_err, &streams[1]}})
        if (idx >= 0 && p[idx].revents && !s->pump(max_output)) kill_run();
      if (idx_in >= 0 && p[idx_in].revents) feed_stdin();
      if (p[idx_chan].revents && !read_channel()) break;
    }
  }

  // The run is done: every process of it has been reaped, so every writer
  // is gone and what is left in the pipes is all there is.
  void drain() {
    close_fd(stdin_fd);
    close_fd(pidfd);
    for (Stream& s : streams)
      if (s.fd >= 0) {
        s.pump(max_output);
        close_fd(s.fd);
      }
  }

  // The run could not be followed to its end: kill whatever is left of it.
  void abandon() {
    close_fd(stdin_fd);
    if (pidfd >= 0) pidfd_kill(pidfd);
    close_fd(pidfd);
    close_fd(streams[0].fd);
    close_fd(streams[1].fd);
  }

  const int chan;
  const char* const helper;  // what serves the channel: the launcher or the zygote
  const std::string& stdin_data;
  const uint64_t max_output;
  int stdin_fd = -1;
  size_t stdin_off = 0;
  Stream streams[2];
  bool& timed_out;
  const Clock::time_point deadline;
  Clock::time_point reap_deadline;  // once killed
  int pidfd = -1;                   // the run's pid 1 (owned)
  bool killed = false;
  bool done = false;                // 'D' came: every process of the run was reaped
  bool helper_died = false;         // the launcher or zygote closed the channel
  RunDone run_done;
  std::string error;

 private:
  int poll_timeout_ms() const {
    auto until = killed ? reap_deadline : deadline;
    long ms = std::max<long>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count() + 1);
    return static_cast<int>(std::min<long>(ms, 1000000));
  }

  // Kills the run at the wall deadline; false once a killed run has outlived
  // its reap grace.
  bool check_deadlines() {
    auto now = Clock::now();
    if (!killed && now >= deadline) {
      timed_out = true;
      kill_run();
    } else if (killed && now >= reap_deadline) {
      error = "the run did not end after SIGKILL";
      return false;
    }
    return true;
  }

  // Kills the run now, or as soon as its pidfd comes.
  void kill_run() {
    if (!killed) reap_deadline = Clock::now() + kReapGrace;
    killed = true;
    if (pidfd >= 0) pidfd_kill(pidfd);
  }

  void feed_stdin() {
    size_t rest = stdin_data.size() - stdin_off;
    ssize_t n = send(stdin_fd, stdin_data.data() + stdin_off, std::min<size_t>(rest, 1 << 16),
                     MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) stdin_off += static_cast<size_t>(n);
    if (n < 0 && errno != EAGAIN && errno != EINTR) close_fd(stdin_fd);  // the reader is gone
    else if (stdin_off == stdin_data.size()) shutdown(stdin_fd, SHUT_WR);
  }

  // Takes one message off the slot channel; false when following must stop.
  bool read_channel() {
    std::string msg;
    std::vector<int> fds;
    long n = receive_message(chan, msg, fds);
    if (n > 0 && msg[0] == 'P' && fds.size() == 1) {
      close_fd(pidfd);  // a later 'P' supersedes one whose process died unused
      pidfd = fds[0];
      if (killed) pidfd_kill(pidfd);
      return true;
    }
    for (int fd : fds) close(fd);
    if (n <= 0) {
      helper_died = true;
      error = std::string("the ") + helper + " died";
      return false;
    }
    if (msg[0] == 'D' && msg.size() == 1 + sizeof(RunDone)) {
      std::memcpy(&run_done, msg.data() + 1, sizeof run_done);
      done = true;
      return true;
    }
    error = msg[0] == 'E' ? msg.substr(1) : "unexpected message from the sandbox";
    return false;
  }
};

// Takes the prepared run's 'P' off `chan` (waiting up to 20 s): its pid 1's
// pidfd, or -1 with `error` set. The helper sends it once the previous run's
// namespaces are gone and the next run's pid 1 exists, so a run that waited
// for it finds its slot's cgroups holding only the helpers.
int await_prepared(int chan, bool warm, std::string& error) {
  pollfd p{chan, POLLIN, 0};
  int rc;
  do rc = poll(&p, 1, 20000);
  while (rc < 0 && errno == EINTR);
  if (rc <= 0) {
    error = std::string("the ") + helper_name(warm) + " prepared no run within 20 s";
    return -1;
  }
  std::string msg;
  std::vector<int> fds;
  long n = receive_message(chan, msg, fds);
  if (n > 0 && msg[0] == 'P' && fds.size() == 1) return fds[0];
  for (int fd : fds) close(fd);
  if (n <= 0) error = std::string("the ") + helper_name(warm) + " died";
  else error = msg[0] == 'E' ? msg.substr(1) : "unexpected message from the sandbox";
  return -1;
}

// Sends the run's request with the child's descriptors. False (errno set)
// when the launcher or zygote is gone.
bool send_run(int chan, const Limits& limits, RunFds& fds) {
  RunRequest req;
  req.tmp_bytes = limits.tmp_bytes;
  req.tmp_inodes = limits.tmp_inodes;
  req.rlimit_cpu_seconds = static_cast<uint64_t>(std::ceil(limits.wall_seconds)) + 1;
  req.rlimit_fsize = limits.tmp_bytes;
  req.rlimit_nofile = limits.max_open_files;
  int child_fds[4] = {fds.in[1], fds.out[1], fds.err[1], fds.code};
  if (!send_message(chan, &req, sizeof req, child_fds, 4)) return false;
  fds.close_child_ends();
  return true;
}

}  // namespace

Slot::Slot(const SlotSettings& settings, const std::string& name) : settings_(settings) {
  const CgroupPlan& plan = *settings.cgroups;
  if (!plan.memory_dir.empty() || !plan.pids_dir.empty() || !plan.cpu_dir.empty() || !plan.cpuacct_dir.empty()) {
    try {
      cgroup_ = std::make_unique<SlotCgroup>(plan, name);
    } catch (const std::exception& e) {
      throw SandboxUnavailable(e.what());
    }
  }
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    throw SandboxUnavailable(std::string("sandbox: socketpair: ") + std::strerror(errno));
  launcher_sock_ = sv[0];
  try {
    launcher_ = spawn_launcher(sv[1]);
  } catch (const std::exception& e) {
    close(sv[0]);
    close(sv[1]);
    throw SandboxUnavailable(e.what());
  }
  close(sv[1]);
  try {
    LauncherConfig cfg;
    cfg.python = settings.python->path;
    cfg.sys_path = settings.python->sys_path;
    cfg.extra_dirs = settings.python->extra_dirs;
    cfg.host_uid = settings.host_uid;
    cfg.host_gid = settings.host_gid;
    cfg.privileged = settings.privileged;
    cfg.warm = settings.warm;
    cfg.preload = settings.preload;
    cfg.preload_code = settings.preload_code;
    if (cgroup_) {
      // The one migration of the slot's life; every run is forked inside.
      for (const std::string& procs : cgroup_->procs_files())
        if (!write_text_file(procs, std::to_string(launcher_)))
          throw SandboxUnavailable("sandbox: cannot place the launcher in " + procs + ": " + std::strerror(errno));
      cfg.cgroup_dirs = cgroup_->dirs();
    }
    std::string text = cfg.encode();
    // The launcher gets the far ends of the cold channel and, when warm, of
    // the zygote's socket; prepared runs read their requests off them.
    int c[2] = {-1, -1}, z[2] = {-1, -1};
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c) != 0 ||
        (settings.warm && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, z) != 0))
      throw SandboxUnavailable(std::string("sandbox: socketpair: ") + std::strerror(errno));
    cold_sock_ = c[0];
    zygote_sock_ = z[0];
    int far[2] = {c[1], z[1]};
    bool sent = send_message(launcher_sock_, text.data(), text.size(), far, settings.warm ? 2 : 1);
    close(c[1]);
    if (z[1] >= 0) close(z[1]);
    if (!sent) throw SandboxUnavailable(std::string("sandbox: launcher: ") + std::strerror(errno));
    wait_ready(launcher_sock_, "launcher");
    if (settings.warm) wait_ready(zygote_sock_, "zygote");
  } catch (...) {
    close_fd(launcher_sock_);
    close_fd(zygote_sock_);
    close_fd(cold_sock_);
    kill(launcher_, SIGKILL);
    waitpid(launcher_, nullptr, 0);
    throw;
  }
}

void Slot::wait_ready(int sock, const char* who) {
  pollfd p{sock, POLLIN, 0};
  int rc;
  do rc = poll(&p, 1, 20000);
  while (rc < 0 && errno == EINTR);
  if (rc == 0) throw SandboxUnavailable(std::string("sandbox: the ") + who + " did not start within 20 s");
  std::string data;
  std::vector<int> fds;
  long n = receive_message(sock, data, fds);
  for (int fd : fds) close(fd);
  if (n <= 0) throw SandboxUnavailable(std::string("sandbox: the ") + who + " exited during start-up");
  if (data[0] == 'E') throw SandboxUnavailable(data.substr(1));
  if (data[0] != 'R') throw SandboxUnavailable(std::string("sandbox: unexpected reply from the ") + who);
  if (sock == launcher_sock_ && data.size() > 1) zygote_ = static_cast<pid_t>(std::stol(data.substr(1)));
}

Slot::~Slot() {
  close_fd(warm_pidfd_);
  close_fd(cold_pidfd_);
  if (launcher_sock_ >= 0) send_message(launcher_sock_, "Q", 1);
  close_fd(zygote_sock_);
  close_fd(cold_sock_);
  close_fd(launcher_sock_);
  if (launcher_ > 0) reap_with_grace(launcher_);
  // A v1 group can stay busy for a moment after its last task is reaped.
  for (int i = 0; cgroup_ && i < 100 && !cgroup_->members().empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

SlotInfo Slot::info() const {
  SlotInfo i;
  if (cgroup_) i.cgroup_dirs = cgroup_->dirs();
  i.launcher_pid = launcher_;
  i.zygote_pid = settings_.warm ? zygote_ : -1;
  i.host_uid = settings_.host_uid;
  return i;
}

CgroupCounters Slot::start_counting(const Limits& limits, bool warm) {
  if (!cgroup_) return {};
  // Helpers in the group: the launcher and the run's init, and for warm
  // runs the zygote, the run's parent and the prepared cold run (its init
  // and its process).
  cgroup_->set_limits(limits.memory_bytes, limits.max_processes + (warm ? 6 : 2), limits.cpus);
  cgroup_->reset_peak();
  return cgroup_->read();
}

void Slot::record_end(const CgroupCounters& before, const RunDone& done, ExecResult& result) const {
  if (WIFEXITED(done.wait_status)) {
    result.exit_code = WEXITSTATUS(done.wait_status);
  } else if (WIFSIGNALED(done.wait_status)) {
    result.signal = WTERMSIG(done.wait_status);
  }
  result.cpu_seconds = static_cast<double>(done.cpu_usec) / 1e6;
  if (cgroup_) {
    CgroupCounters after = cgroup_->read();
    result.oom_killed = after.oom_kills > before.oom_kills;
    // The peak counts what the helpers hold and the file cache left by
    // earlier runs: take both off. Cache the run reclaimed under pressure is
    // no longer there at the end, so only what survived both ends is old.
    uint64_t helpers = before.memory_usage - std::min(before.memory_usage, before.memory_file);
    uint64_t old_cache = std::min(before.memory_file, after.memory_file);
    if (after.memory_peak > helpers + old_cache) result.peak_memory_bytes = after.memory_peak - helpers - old_cache;
    if (after.has_cpu_usage && before.has_cpu_usage)
      result.cpu_seconds = static_cast<double>(after.cpu_usage_ns - before.cpu_usage_ns) / 1e9;
  }
  if (result.peak_memory_bytes == 0) result.peak_memory_bytes = static_cast<uint64_t>(done.max_rss_kb) * 1024;
}

ExecResult Slot::run(const ExecRequest& request) {
  const bool warm = settings_.warm && !request.force_cold;
  const int chan = warm ? zygote_sock_ : cold_sock_;
  ExecResult result;
  result.warm = warm;
  result.missing_protections = settings_.missing;

  // The run's pid 1, prepared; before the counters start, so that the
  // previous run's teardown is not counted as this run's.
  int& prepared = warm ? warm_pidfd_ : cold_pidfd_;
  if (prepared < 0) {
    std::string error;
    prepared = await_prepared(chan, warm, error);
    if (prepared < 0) {
      broken_ = true;
      throw std::runtime_error("sandbox: " + error);
    }
  }
  const int pidfd = std::exchange(prepared, -1);

  CgroupCounters before;
  try {
    before = start_counting(request.limits, warm);
  } catch (...) {
    close(pidfd);
    broken_ = true;  // a slot whose limits cannot be set is replaced
    throw;
  }
  RunFds fds;
  try {
    fds.open(request.code);
  } catch (...) {
    prepared = pidfd;  // still unused: the next request takes it
    throw;
  }
  const auto start = Clock::now();
  if (!send_run(chan, request.limits, fds)) {
    close(pidfd);
    broken_ = true;
    throw std::runtime_error(std::string("sandbox: the slot is gone: ") + std::strerror(errno));
  }
  RunWatch watch(chan, warm, pidfd, request, fds, result, start);
  watch.follow();
  const auto end = Clock::now();
  result.wall_seconds = std::chrono::duration<double>(end - start).count();

  if (!watch.done) {
    broken_ = true;
    watch.abandon();
    // A run whose zygote or launcher the OOM killer took is the code's
    // doing, not ours: report it as an OOM (the slot is replaced).
    if (watch.helper_died && cgroup_ && cgroup_->read().oom_kills > before.oom_kills) {
      result.oom_killed = true;
      result.signal = SIGKILL;
      return result;
    }
    throw std::runtime_error("sandbox: " + watch.error);
  }
  watch.drain();
  record_end(before, watch.run_done, result);
  if (warm && ++runs_ >= kRunsPerZygote) broken_ = true;  // recycled by the owner
  return result;
}

}  // namespace agentcoder::sandbox
