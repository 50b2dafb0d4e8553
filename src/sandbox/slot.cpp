#include "sandbox/slot.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

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

ExecResult Slot::run(const ExecRequest& request) {
  const Limits& limits = request.limits;
  const bool warm = settings_.warm && !request.force_cold;
  ExecResult result;
  result.warm = warm;
  result.missing_protections = settings_.missing;

  CgroupCounters before;
  if (cgroup_) {
    // Helpers in the group: the launcher, and for warm runs the zygote and
    // the run's parent (plus one still exiting from the previous run).
    cgroup_->set_limits(limits.memory_bytes, limits.max_processes + (warm ? 4 : 1), limits.cpus);
    cgroup_->reset_peak();
    before = cgroup_->read();
  }

  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  int code = memfd_create("code", MFD_CLOEXEC);
  bool ok = code >= 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) == 0 &&
            pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0;
  for (size_t off = 0; ok && off < request.code.size();) {
    ssize_t n = write(code, request.code.data() + off, request.code.size() - off);
    if (n <= 0) ok = false;
    else off += static_cast<size_t>(n);
  }
  ok = ok && lseek(code, 0, SEEK_SET) == 0;
  auto close_all = [&] {
    for (int* fd : {&in[0], &in[1], &out[0], &out[1], &err[0], &err[1], &code}) close_fd(*fd);
  };
  if (!ok) {
    int e = errno;
    close_all();
    throw std::runtime_error(std::string("sandbox: cannot make the run's pipes: ") + std::strerror(e));
  }

  RunRequest req;
  req.tmp_bytes = limits.tmp_bytes;
  req.tmp_inodes = limits.tmp_inodes;
  req.rlimit_cpu_seconds = static_cast<uint64_t>(std::ceil(limits.wall_seconds)) + 1;
  req.rlimit_fsize = limits.tmp_bytes;
  req.rlimit_nofile = limits.max_open_files;
  int child_fds[4] = {in[1], out[1], err[1], code};
  int chan = warm ? zygote_sock_ : cold_sock_;

  const auto start = Clock::now();
  if (!send_message(chan, &req, sizeof req, child_fds, 4)) {
    int e = errno;
    close_all();
    broken_ = true;
    throw std::runtime_error(std::string("sandbox: the slot is gone: ") + std::strerror(e));
  }
  close_fd(in[1]);
  close_fd(out[1]);
  close_fd(err[1]);
  close_fd(code);
  set_nonblocking(out[0]);
  set_nonblocking(err[0]);
  set_nonblocking(in[0]);

  Stream streams[2] = {{out[0], &result.stdout_data, &result.stdout_truncated},
                       {err[0], &result.stderr_data, &result.stderr_truncated}};
  out[0] = err[0] = -1;  // owned by the streams now
  size_t stdin_off = 0;
  if (request.stdin_data.empty()) shutdown(in[0], SHUT_WR);

  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(limits.wall_seconds));
  Clock::time_point reap_deadline;
  int pidfd = -1;
  bool killed = false, done = false;
  RunDone run_done;
  std::string error;
  auto kill_run = [&] {
    if (!killed) reap_deadline = Clock::now() + kReapGrace;
    killed = true;
    if (pidfd >= 0) pidfd_kill(pidfd);
  };

  while (!done) {
    pollfd p[4];
    int np = 0;
    int idx_out = -1, idx_err = -1, idx_in = -1;
    if (streams[0].fd >= 0) idx_out = np, p[np++] = {streams[0].fd, POLLIN, 0};
    if (streams[1].fd >= 0) idx_err = np, p[np++] = {streams[1].fd, POLLIN, 0};
    if (in[0] >= 0 && stdin_off < request.stdin_data.size()) idx_in = np, p[np++] = {in[0], POLLOUT, 0};
    int idx_chan = np;
    p[np++] = {chan, POLLIN, 0};
    auto now = Clock::now();
    auto until = killed ? reap_deadline : deadline;
    long timeout_ms = std::max<long>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count() + 1);
    int rc = poll(p, static_cast<nfds_t>(np), static_cast<int>(std::min<long>(timeout_ms, 1000000)));
    if (rc < 0 && errno != EINTR) {
      error = std::string("poll: ") + std::strerror(errno);
      break;
    }
    now = Clock::now();
    if (!killed && now >= deadline) {
      result.timed_out = true;
      kill_run();
    } else if (killed && now >= reap_deadline) {
      error = "the run did not end after SIGKILL";
      break;
    }
    if (rc <= 0) continue;
    for (auto [idx, s] : {std::pair{idx_out, &streams[0]}, std::pair{idx_err, &streams[1]}})
      if (idx >= 0 && p[idx].revents && !s->pump(limits.max_output_bytes)) kill_run();
    if (idx_in >= 0 && p[idx_in].revents) {
      size_t rest = request.stdin_data.size() - stdin_off;
      ssize_t n = send(in[0], request.stdin_data.data() + stdin_off, std::min<size_t>(rest, 1 << 16),
                       MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) stdin_off += static_cast<size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) close_fd(in[0]);  // the reader is gone
      else if (stdin_off == request.stdin_data.size()) shutdown(in[0], SHUT_WR);
    }
    if (p[idx_chan].revents) {
      std::string msg;
      std::vector<int> fds;
      long n = receive_message(chan, msg, fds);
      if (n <= 0) {
        error = warm ? "the zygote died" : "the launcher died";
        for (int fd : fds) close(fd);
        break;
      }
      if (msg[0] == 'P' && fds.size() == 1) {
        close_fd(pidfd);  // a later 'P' supersedes one whose process died unused
        pidfd = fds[0];
        if (killed) pidfd_kill(pidfd);
      } else if (msg[0] == 'D' && msg.size() == 1 + sizeof(RunDone)) {
        std::memcpy(&run_done, msg.data() + 1, sizeof run_done);
        done = true;
        for (int fd : fds) close(fd);
      } else {
        error = msg[0] == 'E' ? msg.substr(1) : "unexpected message from the sandbox";
        for (int fd : fds) close(fd);
        break;
      }
    }
  }
  const auto end = Clock::now();
  close_fd(in[0]);

  if (!done) {
    broken_ = true;
    if (pidfd >= 0) pidfd_kill(pidfd);
    close_fd(pidfd);
    close_fd(streams[0].fd);
    close_fd(streams[1].fd);
    // A run whose zygote or launcher the OOM killer took is the code's
    // doing, not ours: report it as an OOM (the slot is replaced).
    if (cgroup_ && (error == "the zygote died" || error == "the launcher died") &&
        cgroup_->read().oom_kills > before.oom_kills) {
      result.oom_killed = true;
      result.signal = SIGKILL;
      result.wall_seconds = std::chrono::duration<double>(end - start).count();
      return result;
    }
    throw std::runtime_error("sandbox: " + error);
  }
  close_fd(pidfd);
  // pid 1 has been reaped, so every writer is gone: what is left is buffered.
  for (Stream& s : streams)
    if (s.fd >= 0) {
      s.pump(limits.max_output_bytes);
      close_fd(s.fd);
    }

  result.wall_seconds = std::chrono::duration<double>(end - start).count();
  int status = run_done.wait_status;
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  result.cpu_seconds = static_cast<double>(run_done.cpu_usec) / 1e6;
  if (cgroup_) {
    CgroupCounters after = cgroup_->read();
    result.oom_killed = after.oom_kills > before.oom_kills;
    if (after.memory_peak > before.memory_usage) result.peak_memory_bytes = after.memory_peak - before.memory_usage;
    if (after.has_cpu_usage && before.has_cpu_usage)
      result.cpu_seconds = static_cast<double>(after.cpu_usage_ns - before.cpu_usage_ns) / 1e9;
  }
  if (result.peak_memory_bytes == 0) result.peak_memory_bytes = static_cast<uint64_t>(run_done.max_rss_kb) * 1024;
  if (warm && ++runs_ >= kRunsPerZygote) broken_ = true;  // recycled by the owner
  return result;
}

}  // namespace agentcoder::sandbox
