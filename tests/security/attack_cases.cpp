#include "attack_cases.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

namespace agentcoder::sandbox::testing {
namespace {

// Raw syscalls and a verdict helper for every payload.
const char* kPrelude = R"PY(
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def sc(nr, *args):
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    return r, ctypes.get_errno()
def refused(nr, *args, errs=(errno.EPERM,)):
    r, e = sc(nr, *args)
    if r == -1 and e in errs:
        return True
    print('LEAK: syscall %d returned %d errno %d' % (nr, r, e))
    return False
def raises(fn, errs):
    try:
        fn()
    except OSError as e:
        if e.errno in errs:
            return True
        print('LEAK: errno %s' % e.errno)
        return False
    print('LEAK: call succeeded')
    return False
def verdict(ok):
    print('ok' if ok else 'LEAK')
)PY";

const char* kShowStderr = "";

void expect_ok(const ExecResult& r) {
  EXPECT_EQ(r.exit_code, 0) << "stderr: " << r.stderr_data;
  EXPECT_EQ(r.stdout_data, "ok\n") << "stderr: " << r.stderr_data;
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.oom_killed);
}

// A case that passes when one raw syscall is refused with EPERM.
AttackCase refuse(const std::string& id, const std::string& call, const std::string& errs = "(errno.EPERM,)") {
  return {id, "verdict(refused(" + call + ", errs=" + errs + "))\n", expect_ok, {}, "", false, ""};
}

AttackCase ok_case(const std::string& id, const std::string& code) {
  return {id, code, expect_ok, {}, "", false, ""};
}

AttackCase result_case(const std::string& id, const std::string& code, std::function<void(const ExecResult&)> check,
                       std::function<void(Limits&)> limits = {}) {
  return {id, code, std::move(check), std::move(limits), "", false, ""};
}

auto wall_limit(double s) {
  return [s](Limits& l) { l.wall_seconds = s; };
}

void expect_killed_at_deadline(const ExecResult& r) {
  EXPECT_TRUE(r.timed_out) << r.stderr_data;
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_LT(r.wall_seconds, 3.0);
}

// How many pages of `path` are not in the page cache (reads that would
// block), -1 if it cannot be read.
int pages_not_cached(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  int missing = 0;
  char byte;
  iovec io{&byte, 1};
  struct stat st{};
  fstat(fd, &st);
  for (off_t off = 0; off < st.st_size; off += 4096)
    if (preadv2(fd, &io, 1, off, RWF_NOWAIT) != 1) ++missing;
  close(fd);
  return missing;
}

}  // namespace

std::string render(const std::string& code, const HostFacts& facts) {
  std::string out = std::string(kPrelude) + kShowStderr + code;
  auto replace = [&](const std::string& key, const std::string& value) {
    for (size_t pos; (pos = out.find(key)) != std::string::npos;) out.replace(pos, key.size(), value);
  };
  replace("{PORT}", std::to_string(facts.listening_port));
  replace("{PID}", std::to_string(facts.supervisor_pid));
  replace("{CANARY}", facts.canary_path);
  replace("{FD}", std::to_string(facts.inherited_fd));
  return out;
}

std::vector<AttackCase> attack_cases() {
  std::vector<AttackCase> c;
  // ---- network egress -------------------------------------------------
  c.push_back(ok_case("net_ipv4_tcp", R"PY(
import socket
s = socket.socket(); s.settimeout(2)
verdict(raises(lambda: s.connect(('1.1.1.1', 443)), (errno.ENETUNREACH,)))
)PY"));
  c.push_back(ok_case("net_ipv6_tcp", R"PY(
import socket
s = socket.socket(socket.AF_INET6); s.settimeout(2)
verdict(raises(lambda: s.connect(('2606:4700:4700::1111', 443)), (errno.ENETUNREACH, errno.EADDRNOTAVAIL)))
)PY"));
  c.push_back(ok_case("net_udp_sendto", R"PY(
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
verdict(raises(lambda: s.sendto(b'x', ('8.8.8.8', 53)), (errno.ENETUNREACH,)))
)PY"));
  c.push_back(ok_case("net_dns_resolve", R"PY(
import socket
try:
    socket.getaddrinfo('example.com', 443)
    verdict(False)
except socket.gaierror:
    verdict(True)
)PY"));
  c.push_back(ok_case("net_host_loopback_service", R"PY(
import socket
s = socket.socket(); s.settimeout(2)
verdict(raises(lambda: s.connect(('127.0.0.1', {PORT})), (errno.ECONNREFUSED,)))
)PY"));
  c.push_back(ok_case("net_only_loopback_interface", R"PY(
names = [l.split(':')[0].strip() for l in open('/proc/net/dev').readlines()[2:]]
verdict(names == ['lo'])
)PY"));
  c.push_back(refuse("net_af_packet", "41, 17, 3, 0x300"));
  c.push_back(ok_case("net_raw_icmp", R"PY(
import socket
verdict(raises(lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP), (errno.EPERM,)))
)PY"));
  c.push_back(refuse("net_netlink", "41, 16, 3, 0"));
  c.push_back(refuse("net_vsock", "41, 40, 1, 0"));
  c.push_back(refuse("net_af_alg", "41, 38, 5, 0"));
  c.push_back(ok_case("net_host_unix_sockets_invisible", R"PY(
import glob
verdict(glob.glob('/run/*') + glob.glob('/var/run/*') + glob.glob('/tmp/.X11-unix/*') == [])
)PY"));

  // ---- writes outside /tmp ------------------------------------------------
  c.push_back(ok_case("fs_write_etc", "verdict(raises(lambda: open('/etc/evil', 'w'), (errno.EROFS,)))\n"));
  c.push_back(ok_case("fs_write_usr", "verdict(raises(lambda: open('/usr/bin/evil', 'w'), (errno.EROFS,)))\n"));
  c.push_back(ok_case("fs_mkdir_root", "verdict(raises(lambda: os.mkdir('/evil'), (errno.EROFS,)))\n"));
  c.push_back(ok_case("fs_write_dev", "verdict(raises(lambda: open('/dev/evil', 'w'), (errno.EROFS,)))\n"));
  // ENOENT where the kernel has no such file (as in some microVMs).
  c.push_back(ok_case("fs_sysrq_trigger",
                      "verdict(raises(lambda: open('/proc/sysrq-trigger', 'w'), (errno.EACCES, errno.EROFS, errno.ENOENT)))\n"));
  c.push_back(ok_case("fs_proc_sys_write", R"PY(
verdict(raises(lambda: open('/proc/sys/kernel/hostname', 'w').write('x'), (errno.EACCES, errno.EROFS, errno.EPERM)))
)PY"));
  c.push_back(ok_case("fs_mknod_device", R"PY(
import stat
verdict(raises(lambda: os.mknod('/tmp/sda', stat.S_IFBLK | 0o600, os.makedev(8, 0)), (errno.EPERM,)))
)PY"));

  // ---- host secrets -------------------------------------------------------
  c.push_back(ok_case("fs_read_shadow", "verdict(raises(lambda: open('/etc/shadow'), (errno.ENOENT,)))\n"));
  c.push_back(ok_case("fs_root_home_invisible", "verdict(not os.path.exists('/root') and not os.path.exists('/home'))\n"));
  c.push_back(ok_case("fs_host_tmp_invisible", "verdict(not os.path.exists('{CANARY}') and os.listdir('/tmp') == [])\n"));
  c.push_back(ok_case("fs_host_dirs_invisible", R"PY(
# lib32 and libx32 are bound where the host has them (multilib packages add them).
seen = sorted(set(os.listdir('/')) - {'lib32', 'libx32'})
verdict(seen == ['bin', 'dev', 'etc', 'lib', 'lib64', 'proc', 'sbin', 'tmp', 'usr'] or print(sorted(os.listdir('/'))))
)PY"));
  c.push_back(ok_case("fs_etc_minimal", R"PY(
verdict(set(os.listdir('/etc')) <= {'ld.so.cache', 'localtime', 'passwd', 'group', 'hosts', 'hostname', 'alternatives'})
)PY"));

  // ---- /proc and /sys -----------------------------------------------------
  c.push_back(ok_case("proc_host_pids_hidden", "verdict(sorted(p for p in os.listdir('/proc') if p.isdigit()) == ['1', '2'] == ['1', str(os.getpid())])\n"));
  // Host information in /proc: neutral stand-ins, read-only.
  c.push_back(ok_case("proc_uptime_hidden", "verdict(open('/proc/uptime').read() == '100.00 100.00\\n')\n"));
  c.push_back(ok_case("proc_boot_id_hidden", R"PY(
verdict(open('/proc/sys/kernel/random/boot_id').read() == '00000000-0000-4000-8000-000000000000\n')
)PY"));
  c.push_back(ok_case("proc_cmdline_hidden", "verdict(open('/proc/cmdline').read() == '\\n')\n"));
  c.push_back(ok_case("proc_loadavg_hidden", "verdict(open('/proc/loadavg').read().startswith('0.00 0.00 0.00 '))\n"));
  c.push_back(ok_case("proc_meminfo_hidden", R"PY(
info = dict(l.split(':', 1) for l in open('/proc/meminfo').read().splitlines())
verdict(info['MemTotal'].split() == ['4194304', 'kB'] and info['Cached'].split() == ['0', 'kB'] and
        os.sysconf('SC_NPROCESSORS_ONLN') >= 1)
)PY"));
  c.push_back(ok_case("proc_stat_btime_hidden", R"PY(
lines = open('/proc/stat').read().splitlines()
verdict('btime 0' in lines and 'ctxt 0' in lines and lines[0].split()[0] == 'cpu')
)PY"));
  c.push_back(ok_case("proc_stand_ins_read_only", R"PY(
paths = ['/proc/uptime', '/proc/loadavg', '/proc/cmdline', '/proc/meminfo', '/proc/stat',
         '/proc/sys/kernel/random/boot_id']
verdict(all(raises(lambda: open(p, 'w').write('x'), (errno.EROFS, errno.EACCES)) for p in paths))
)PY"));
  c.push_back(ok_case("proc_kcore", "verdict(raises(lambda: open('/proc/kcore', 'rb').read(1), (errno.EACCES, errno.EPERM, errno.ENOENT)))\n"));
  c.push_back(ok_case("sys_absent", "verdict(not os.path.exists('/sys'))\n"));
  c.push_back(ok_case("proc_cgroup_view", R"PY(
lines = open('/proc/self/cgroup').read().split()
verdict(all(l.split(':')[2] == '/' for l in lines) or print(lines))
)PY"));
  c.push_back(ok_case("proc_mountinfo_no_host_paths", R"PY(
m = open('/proc/self/mountinfo').read()
verdict('/work' not in m and '/root' not in m and '/home' not in m and 'agentcoder' not in m)
)PY"));
  c.push_back(ok_case("proc_pid1_is_the_runs_init", R"PY(
verdict(open('/proc/1/comm').read() == 'ac-sbx-init\n' and os.getppid() == 1 and
        open('/proc/self/cmdline', 'rb').read().split(b'\0')[0].endswith(b'python3'))
)PY"));

  // ---- identity, setuid, symlinks, descriptors, environment ----------------
  c.push_back(ok_case("uid_is_unprivileged", R"PY(
st = dict(l.split(':', 1) for l in open('/proc/self/status').read().splitlines())
verdict(os.getuid() == 1000 and os.geteuid() == 1000 and os.getgid() == 1000 and
        int(st['CapEff'], 16) == 0 and int(st['CapPrm'], 16) == 0 and int(st['CapBnd'], 16) == 0 and
        st['NoNewPrivs'].strip() == '1' and st['Seccomp'].strip() == '2')
)PY"));
  c.push_back(ok_case("setuid_binary_no_gain", R"PY(
import subprocess, stat
suid = [p for p in ('/usr/bin/su', '/usr/bin/passwd', '/usr/bin/mount', '/usr/bin/newgrp')
        if os.path.exists(p) and os.stat(p).st_mode & stat.S_ISUID]
nosuid = os.statvfs('/usr/bin').f_flag & os.ST_NOSUID
rcs = [subprocess.run([p, '--help'] if p.endswith('mount') else [p, '-c', 'id'], capture_output=True,
                      stdin=subprocess.DEVNULL).returncode for p in suid[:1]]
verdict(suid != [] and bool(nosuid) and os.geteuid() == 1000 and all(rc != 0 or p.endswith('mount') for rc, p in zip(rcs, suid)))
)PY"));
  c.push_back(ok_case("setuid_zero", "verdict(raises(lambda: os.setuid(0), (errno.EPERM, errno.EINVAL)))\n"));
  c.push_back(ok_case("symlink_to_host_file", R"PY(
os.symlink('/etc/hostname', '/tmp/l')
verdict(open('/tmp/l').read() == 'sandbox\n')
)PY"));
  c.push_back(ok_case("symlink_proc_root_escape", R"PY(
verdict(sorted(os.listdir('/proc/self/root/../..')) == sorted(os.listdir('/')) and
        raises(lambda: os.listdir('/proc/1/root/../..'), (errno.EACCES,)))
)PY"));
  c.push_back(ok_case("hardlink_out_of_tmp", "verdict(raises(lambda: os.link('/etc/passwd', '/tmp/p'), (errno.EXDEV,)))\n"));
  c.push_back(ok_case("fd_inheritance", R"PY(
fds = sorted(int(f) for f in os.listdir('/proc/self/fd'))
inherited = [fd for fd in range(3, 1024) if fd != fds[-1] and fd in fds]
verdict(fds[:3] == [0, 1, 2] and len(fds) == 4 and inherited == [] and
        raises(lambda: os.fstat({FD}), (errno.EBADF,)))
)PY"));
  c.push_back(ok_case("env_no_host_secrets", R"PY(
env = dict(os.environ)
own_env = open('/proc/self/environ', 'rb').read()
verdict(sorted(env) == ['HOME', 'LANG', 'PATH', 'PYTHONHASHSEED', 'TMPDIR', 'USER'] and b'SECRET' not in own_env and
        raises(lambda: open('/proc/1/environ', 'rb').read(), (errno.EACCES,)))
)PY"));

  // ---- processes, memory, disk, CPU, time, output --------------------------
  c.push_back(result_case("fork_bomb", R"PY(
while True:
    try:
        os.fork()
    except OSError:
        pass
)PY", expect_killed_at_deadline, wall_limit(1.5)));
  c.push_back(ok_case("thread_bomb", R"PY(
import threading, time
ev = threading.Event(); n = 0
try:
    while True:
        threading.Thread(target=ev.wait).start(); n += 1
except RuntimeError:
    pass
ev.set()
verdict(0 < n <= 64)
)PY"));
  c.push_back(result_case("memory_bomb", R"PY(
chunks = []
while True:
    chunks.append(bytearray(16 << 20))
)PY", [](const ExecResult& r) {
    EXPECT_TRUE(r.oom_killed);
    EXPECT_EQ(r.signal, SIGKILL);
    EXPECT_FALSE(r.timed_out);
    EXPECT_GT(r.peak_memory_bytes, 200ull << 20);
    EXPECT_LT(r.peak_memory_bytes, 300ull << 20);
  }));
  c.push_back(result_case("memory_bomb_in_children", R"PY(
for i in range(6):
    if os.fork() == 0:
        b = bytearray(60 << 20)
        import time; time.sleep(30)
        os._exit(0)
os.wait()
)PY", [](const ExecResult& r) { EXPECT_TRUE(r.oom_killed); EXPECT_FALSE(r.timed_out); },
                              // Only an OOM kill ends the run before the children's sleep; a loaded
                              // machine can take seconds to reclaim before it kills.
                              wall_limit(30)));
  // ---- limits that must hold across runs of one slot ----------------------
  // The first run charges file cache to the slot on purpose (drop a shared
  // file's pages, read it back); the next may still use only its own limit,
  // and its reported peak is what it really used.
  for (uint64_t mib : {256u, 128u}) {
    AttackCase primed{"memory_limit_absolute_after_cache_priming_" + std::to_string(mib) + "mb", R"PY(
total = 0
chunks = []
while total < 1024:
    chunks.append(bytearray(b'\1') * (16 << 20)); total += 16
    print(total, flush=True)
)PY", [mib](const ExecResult& r) {
      EXPECT_TRUE(r.oom_killed);
      uint64_t reached = 0;
      for (size_t pos = 0, next; (next = r.stdout_data.find('\n', pos)) != std::string::npos; pos = next + 1)
        reached = std::stoull(r.stdout_data.substr(pos, next - pos));
      EXPECT_GT(reached, 0u);
      EXPECT_LE(reached, mib) << "MiB allocated under a " << mib << " MiB limit";
      EXPECT_LE(r.peak_memory_bytes, (mib + 24) << 20);
      EXPECT_GE(r.peak_memory_bytes, reached << 20);
    }, [mib](Limits& l) { l.memory_bytes = mib << 20; l.wall_seconds = 30; }};
    primed.first = R"PY(
charged = 0
for root, dirs, files in os.walk('/usr/lib'):
    for name in files:
        try:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            while True:
                block = os.read(fd, 1 << 20)
                if not block:
                    break
                charged += len(block)
        except OSError:
            pass
        os.close(fd)
        if charged > (600 << 20):
            raise SystemExit(0)
)PY";
    c.push_back(primed);
  }
  // TCP buffers in the run's own network namespace count against its memory
  // (cgroup v1 leaves them out unless kmem.tcp accounting is on): a run that
  // fills loopback connections it never reads holds at most its limit.
  c.push_back(result_case("tcp_loopback_buffers_bounded", R"PY(
import socket, fcntl, struct, termios
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(128)
pairs, queued = [], 0
try:
    while queued < (320 << 20) and len(pairs) < 110:
        a = socket.socket(); a.connect(srv.getsockname()); b, _ = srv.accept()
        for s in (a, b):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 << 20)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 20)
        a.setblocking(False); pairs.append((a, b))
        try:
            while True:
                a.send(b'x' * (1 << 20))
        except (BlockingIOError, OSError):
            pass
        queued = sum(struct.unpack('i', fcntl.ioctl(a, termios.TIOCOUTQ, b'\0' * 4))[0] +
                     struct.unpack('i', fcntl.ioctl(b, termios.FIONREAD, b'\0' * 4))[0] for a, b in pairs)
except OSError:
    pass
print(queued >> 20)
)PY", [](const ExecResult& r) {
    // Killed, or every send refused once the buffers reach the limit.
    if (!r.oom_killed) {
      EXPECT_EQ(r.exit_code, 0) << r.stderr_data;
      ASSERT_FALSE(r.stdout_data.empty());
      EXPECT_LE(std::stoull(r.stdout_data), 64u) << "MiB queued in TCP buffers under a 64 MiB limit";
    }
  }, [](Limits& l) { l.memory_bytes = 64ull << 20; l.wall_seconds = 20; }));
  // RLIMIT_CORE stays at 1, where the kernel skips pipe core handlers
  // (apport, systemd-coredump) as well as core files.
  c.push_back(ok_case("core_limit_pinned", R"PY(
import resource
def lowered(limits):
    try:
        resource.setrlimit(resource.RLIMIT_CORE, limits)
        return True
    except (OSError, ValueError):  # Python words EPERM as "not allowed to raise maximum limit"
        return False
verdict(resource.getrlimit(resource.RLIMIT_CORE) == (1, 1) and not lowered((0, 1)) and not lowered((0, 0)) and
        not lowered((1, resource.RLIM_INFINITY)) and resource.getrlimit(resource.RLIMIT_CORE) == (1, 1))
)PY"));
  c.push_back(ok_case("core_limit_raw_prlimit", R"PY(
new = (ctypes.c_ulong * 2)(0, 0)
old = (ctypes.c_ulong * 2)()
verdict(refused(302, 0, 4, ctypes.addressof(new), 0) and refused(160, 4, ctypes.addressof(new)) and
        sc(302, 0, 4, 0, ctypes.addressof(old))[0] == 0 and list(old) == [1, 1])
)PY"));
  c.push_back(ok_case("core_limit_in_child", R"PY(
import resource
pid = os.fork()
if pid == 0:
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os._exit(1)
    except (OSError, ValueError):
        os._exit(0 if resource.getrlimit(resource.RLIMIT_CORE) == (1, 1) else 2)
_, status = os.waitpid(pid, 0)
verdict(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and
        resource.setrlimit(resource.RLIMIT_NOFILE, (128, 256)) is None)
)PY"));

  c.push_back(ok_case("tmp_fill", R"PY(
n = 0
try:
    with open('/tmp/fill', 'wb', buffering=0) as f:
        while True:
            f.write(b'x' * (1 << 20)); n += 1
except OSError as e:
    verdict(e.errno in (errno.ENOSPC, errno.EFBIG) and n <= 64)
)PY"));
  c.push_back(ok_case("dev_shm_fill", R"PY(
n = 0
try:
    with open('/dev/shm/fill', 'wb', buffering=0) as f:
        while True:
            f.write(b'x' * (1 << 20)); n += 1
except OSError as e:
    verdict(e.errno in (errno.ENOSPC, errno.EFBIG) and n <= 64)
)PY"));
  c.push_back(ok_case("inode_exhaustion", R"PY(
n = 0
try:
    while True:
        open('/tmp/f%d' % n, 'w').close(); n += 1
except OSError as e:
    verdict(e.errno == errno.ENOSPC and n <= 4096)
)PY"));
  c.push_back(ok_case("fd_exhaustion", R"PY(
fs = []
try:
    while True:
        fs.append(open('/dev/null'))
except OSError as e:
    verdict(e.errno == errno.EMFILE and len(fs) <= 256)
)PY"));
  c.push_back(result_case("cpu_burn_loop", "while True: pass\n", [](const ExecResult& r) {
    expect_killed_at_deadline(r);
    // 0.5 CPU for 2 s of wall time: at most about 1 s, whatever else runs.
    EXPECT_GT(r.cpu_seconds, 0.05);
    EXPECT_LT(r.cpu_seconds, 1.4);
  }, wall_limit(2)));
  c.push_back(result_case("cpu_burn_many_processes", R"PY(
for i in range(3):
    if os.fork() == 0:
        break
while True: pass
)PY", [](const ExecResult& r) {
    expect_killed_at_deadline(r);
    EXPECT_LT(r.cpu_seconds, 1.4);  // the quota holds for the whole run
  }, wall_limit(2)));
  c.push_back(result_case("sleep_past_deadline", "import time\ntime.sleep(100)\n", [](const ExecResult& r) {
    expect_killed_at_deadline(r);
    EXPECT_GT(r.wall_seconds, 0.9);
  }, wall_limit(1)));
  c.push_back(result_case("ignore_sigterm_and_sleep", R"PY(
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGXCPU, signal.SIG_IGN)
time.sleep(100)
)PY", expect_killed_at_deadline, wall_limit(1)));
  c.push_back(result_case("stdout_flood", "while True:\n    sys.stdout.write('x' * 65536)\n", [](const ExecResult& r) {
    EXPECT_TRUE(r.stdout_truncated);
    EXPECT_EQ(r.stdout_data.size(), 1u << 20);
    EXPECT_EQ(r.signal, SIGKILL);
    EXPECT_FALSE(r.timed_out);
  }));
  c.push_back(result_case("stderr_flood", "while True:\n    sys.stderr.write('x' * 65536)\n", [](const ExecResult& r) {
    EXPECT_TRUE(r.stderr_truncated);
    EXPECT_EQ(r.stderr_data.size(), 1u << 20);
    EXPECT_EQ(r.signal, SIGKILL);
  }));
  c.push_back(result_case("close_stdout_then_spin", "os.close(1); os.close(2)\nwhile True: pass\n",
                          expect_killed_at_deadline, wall_limit(1)));
  c.push_back(result_case("orphan_double_fork_setsid", R"PY(
import time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(100)
    os._exit(0)
print('parent done')
)PY", [](const ExecResult& r) {
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.stdout_data, "parent done\n");
    EXPECT_LT(r.wall_seconds, 2.0);  // the orphan died with the pid namespace
  }));
  c.push_back(result_case("daemon_holds_stdout", R"PY(
import time
if os.fork() == 0:
    time.sleep(100)
print('parent done')
)PY", [](const ExecResult& r) {
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_LT(r.wall_seconds, 2.0);  // the end is pid 1's exit, not EOF on stdout
  }));
  c.push_back(ok_case("zombie_flood", R"PY(
n = 0
try:
    while True:
        if os.fork() == 0:
            os._exit(0)
        n += 1
except OSError as e:
    verdict(e.errno == errno.EAGAIN and n <= 64)
)PY"));
  c.push_back(result_case("deep_recursion", R"PY(
sys.setrecursionlimit(10**8)
def f(n): return f(n + 1)
f(0)
)PY", [](const ExecResult& r) {
    // It dies inside (stack limit or the memory cgroup), quickly.
    EXPECT_NE(r.exit_code, 0);
    EXPECT_FALSE(r.timed_out);
  }));

  // ---- signals ------------------------------------------------------------
  c.push_back(ok_case("signal_kill_all", R"PY(
import signal, time
pid = os.fork()
if pid == 0:
    time.sleep(100); os._exit(0)
os.kill(-1, signal.SIGKILL)   # reaches only this sandbox's processes
_, status = os.waitpid(pid, 0)
verdict(os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL)
)PY"));
  c.push_back(ok_case("signal_supervisor_pid", R"PY(
verdict({PID} == 1 or raises(lambda: os.kill({PID}, 0), (errno.ESRCH,)))
)PY"));
  c.push_back(ok_case("signal_init_from_program", R"PY(
import signal, time
for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGKILL, signal.SIGSTOP):
    os.kill(1, sig)   # the run's init has no handler: an init ignores them all
time.sleep(0.1)
verdict(open('/proc/1/stat').read().split()[2] == 'S')
)PY"));
  c.push_back(ok_case("init_memory_unreachable", R"PY(
verdict(raises(lambda: open('/proc/1/mem', 'rb'), (errno.EACCES,)) and
        raises(lambda: os.listdir('/proc/1/fd'), (errno.EACCES,)) and
        raises(lambda: os.readlink('/proc/1/exe'), (errno.EACCES,)))
)PY"));
  c.push_back(ok_case("signal_pid1_from_child", R"PY(
import signal, time
pid = os.fork()
if pid == 0:
    os.kill(1, signal.SIGKILL)
    os._exit(0)
os.waitpid(pid, 0)
verdict(True)
)PY"));

  // ---- syscalls the filter refuses --------------------------------------------
  c.push_back(ok_case("ptrace_attach_child", R"PY(
import time
pid = os.fork()
if pid == 0:
    time.sleep(5); os._exit(0)
verdict(refused(101, 16, pid, 0, 0))
)PY"));
  c.push_back(refuse("ptrace_traceme", "101, 0, 0, 0, 0"));
  c.push_back(refuse("process_vm_readv", "310, 1, 0, 0, 0, 0, 0"));
  c.push_back(refuse("kcmp", "312, 1, 1, 0, 0, 0"));
  c.push_back(refuse("pidfd_getfd", "438, 0, 0, 0"));
  c.push_back(ok_case("mount_tmpfs", "verdict(refused(165, ctypes.addressof(ctypes.create_string_buffer(b'none')), ctypes.addressof(ctypes.create_string_buffer(b'/tmp')), ctypes.addressof(ctypes.create_string_buffer(b'tmpfs')), 0, 0))\n"));
  c.push_back(refuse("umount_root", "166, ctypes.addressof(ctypes.create_string_buffer(b'/')), 2"));
  c.push_back(refuse("fsopen", "430, ctypes.addressof(ctypes.create_string_buffer(b'tmpfs')), 0"));
  c.push_back(refuse("unshare_user", "272, 0x10000000"));
  c.push_back(refuse("unshare_net_mount", "272, 0x40020000"));
  c.push_back(refuse("clone_newuser", "56, 0x10000000 | 17, 0, 0, 0, 0"));
  c.push_back(refuse("clone3", "435, 0, 0", "(errno.ENOSYS,)"));
  c.push_back(ok_case("setns_own_netns", R"PY(
fd = os.open('/proc/self/ns/net', os.O_RDONLY)
verdict(refused(308, fd, 0))
)PY"));
  c.push_back(ok_case("chroot", "verdict(raises(lambda: os.chroot('/tmp'), (errno.EPERM,)))\n"));
  c.push_back(refuse("pivot_root", "155, ctypes.addressof(ctypes.create_string_buffer(b'/tmp')), ctypes.addressof(ctypes.create_string_buffer(b'/tmp'))"));
  // inotify on the shared read-only files would show the host's and other
  // runs' file activity (and its instances are a per-user limit).
  c.push_back(refuse("inotify_init1", "294, 0"));
  c.push_back(refuse("inotify_init", "253"));
  c.push_back(ok_case("inotify_watch_shared_file", R"PY(
fd = libc.inotify_init1(0)
verdict(fd == -1 and ctypes.get_errno() == errno.EPERM or
        print('LEAK: watch', libc.inotify_add_watch(fd, b'/usr/lib/python3.11/os.py', 1)))
)PY"));
  c.push_back(refuse("keyctl", "250, 0, -3, 0, 0, 0"));
  c.push_back(refuse("add_key", "248, ctypes.addressof(ctypes.create_string_buffer(b'user')), ctypes.addressof(ctypes.create_string_buffer(b'k')), 0, 0, -3"));
  c.push_back(refuse("bpf_prog_load", "321, 5, 0, 0"));
  c.push_back(refuse("io_uring_setup", "425, 8, ctypes.addressof(ctypes.create_string_buffer(120))"));
  c.push_back(refuse("userfaultfd", "323, 0"));
  c.push_back(refuse("perf_event_open", "298, ctypes.addressof(ctypes.create_string_buffer(128)), 0, -1, -1, 0"));
  c.push_back(refuse("personality_addr_no_randomize", "135, 0x0040000"));
  c.push_back(ok_case("personality_query_allowed", "r, e = sc(135, 0xffffffff)\nverdict(r == 0)\n"));
  c.push_back(refuse("init_module", "175, 0, 0, 0"));
  c.push_back(refuse("finit_module", "313, 0, 0, 0"));
  c.push_back(refuse("kexec_load", "246, 0, 0, 0, 0"));
  c.push_back(refuse("syslog_read", "103, 3, ctypes.addressof(ctypes.create_string_buffer(64)), 64"));
  c.push_back(refuse("open_by_handle_at", "304, -100, ctypes.addressof(ctypes.create_string_buffer(64)), 0"));
  c.push_back(refuse("reboot", "169, 0xfee1dead, 672274793, 0x4321fedc, 0"));
  c.push_back(refuse("sethostname", "170, ctypes.addressof(ctypes.create_string_buffer(b'x')), 1"));
  c.push_back(refuse("prctl_clear_pdeathsig", "157, 1, 0, 0, 0, 0"));
  c.push_back(ok_case("tiocsti", R"PY(
import fcntl, termios
c = ctypes.c_char(b'x')
verdict(refused(16, 0, termios.TIOCSTI, ctypes.addressof(c)) and
        refused(16, 1, termios.TIOCSTI | (1 << 32), ctypes.addressof(c)) and
        refused(16, 2, 0x541C, ctypes.addressof(c)) and not os.path.exists('/dev/tty'))
)PY"));
  c.push_back(ok_case("ioctl_ordinary_allowed", R"PY(
import fcntl, termios, struct
r, w = os.pipe(); os.write(w, b'abc')
n = struct.unpack('i', fcntl.ioctl(r, termios.FIONREAD, b'\0\0\0\0'))[0]
verdict(n == 3 and raises(lambda: fcntl.ioctl(r, termios.TCGETS, b'\0' * 64), (errno.ENOTTY,)))
)PY"));
  c.push_back(result_case("x32_abi_syscall", "sc(0x40000000 | 39)\nprint('LEAK: survived')\n",
                          [](const ExecResult& r) { EXPECT_EQ(r.signal, SIGSYS) << r.stdout_data; }));
  c.push_back(result_case("i386_int80_syscall", R"PY(
import mmap
code = b'\xb8\x14\x00\x00\x00\xcd\x80\xc3'   # mov eax, 20 (getpid); int 0x80; ret
m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
m.write(code)
fn = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(m)))
fn()
print('LEAK: survived')
)PY", [](const ExecResult& r) { EXPECT_EQ(r.signal, SIGSYS) << r.stdout_data; }));
  c.push_back(ok_case("raise_rlimit", R"PY(
import resource
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
try:
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard + 1, hard + 1)); verdict(False)
except (ValueError, OSError):
    verdict(hard == 256)
)PY"));
  c.push_back(ok_case("oom_score_adj_lower", R"PY(
def lower():
    with open('/proc/self/oom_score_adj', 'w') as f:
        f.write('-1000')
verdict(raises(lower, (errno.EACCES, errno.EPERM)))
)PY"));

  // ---- leaks from one run to the next -------------------------------------------
  AttackCase tmp{"xrun_tmp_persistence", "verdict(os.listdir('/tmp') == [] and os.listdir('/dev/shm') == [])\n", expect_ok};
  tmp.first = "open('/tmp/marker', 'w').write('x'); open('/dev/shm/marker', 'w').write('x')\n";
  c.push_back(tmp);
  AttackCase shm{"xrun_sysv_shm", R"PY(
shmget = libc.shmget
verdict(shmget(0x5eed, 4096, 0) == -1 and ctypes.get_errno() == errno.ENOENT)
)PY", expect_ok};
  shm.first = "assert libc.shmget(0x5eed, 4096, 0o1000 | 0o666) >= 0\n";
  c.push_back(shm);
  AttackCase msg{"xrun_sysv_msgqueue", "verdict(libc.msgget(0x5eed, 0) == -1 and ctypes.get_errno() == errno.ENOENT)\n", expect_ok};
  msg.first = "assert libc.msgget(0x5eed, 0o1000 | 0o666) >= 0\n";
  c.push_back(msg);
  AttackCase abstract{"xrun_abstract_unix_socket", R"PY(
import socket
s = socket.socket(socket.AF_UNIX)
verdict(raises(lambda: s.connect('\0agentcoder-xrun'), (errno.ECONNREFUSED, errno.ENOENT)))
)PY", expect_ok};
  abstract.first = R"PY(
import socket, time
s = socket.socket(socket.AF_UNIX); s.bind('\0agentcoder-xrun'); s.listen()
time.sleep(1.5)
)PY";
  abstract.first_concurrent = true;
  c.push_back(abstract);
  AttackCase loop{"xrun_loopback_listener", R"PY(
import socket
s = socket.socket(); s.settimeout(1)
verdict(raises(lambda: s.connect(('127.0.0.1', 47011)), (errno.ECONNREFUSED,)))
)PY", expect_ok};
  loop.first = R"PY(
import socket, time
s = socket.socket(); s.bind(('127.0.0.1', 47011)); s.listen()
time.sleep(1.5)
)PY";
  loop.first_concurrent = true;
  c.push_back(loop);

  // ---- channels through the shared inodes (system files, /dev nodes) --------------
  // Runs in different slots open the same inodes, so a lock one holds is
  // seen by the other: locks are refused (ENOSYS) on both ends.
  AttackCase flock_shared{"xrun_flock_shared_file", R"PY(
import fcntl
fd = os.open(os.__file__, os.O_RDONLY)
verdict(raises(lambda: fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB), (errno.ENOSYS,)))
)PY", expect_ok};
  flock_shared.first = R"PY(
import fcntl, time
fd = os.open(os.__file__, os.O_RDONLY)
try:
    fcntl.flock(fd, fcntl.LOCK_EX)
except OSError:
    raise SystemExit(0)  # refused: nothing to hold
time.sleep(1.5)
)PY";
  flock_shared.first_concurrent = true;
  c.push_back(flock_shared);
  AttackCase posix_lock{"xrun_posix_lock_dev_null", R"PY(
import fcntl
fd = os.open('/dev/null', os.O_WRONLY)
verdict(raises(lambda: fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB), (errno.ENOSYS,)))
)PY", expect_ok};
  posix_lock.first = R"PY(
import fcntl, time
fd = os.open('/dev/null', os.O_WRONLY)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX)
except OSError:
    raise SystemExit(0)
time.sleep(1.5)
)PY";
  posix_lock.first_concurrent = true;
  c.push_back(posix_lock);
  c.push_back(ok_case("fcntl_lock_commands_refused", R"PY(
import fcntl
fd = os.open(os.__file__, os.O_RDONLY)
lock = ctypes.create_string_buffer(32)  # struct flock, F_RDLCK over the whole file
ok = True
for cmd in (5, 6, 7, 36, 37, 38):  # F_GETLK F_SETLK F_SETLKW F_OFD_GETLK F_OFD_SETLK F_OFD_SETLKW
    for high in (0, 1 << 32):  # the kernel reads 32 bits of the command
        ok = refused(72, fd, cmd | high, ctypes.addressof(lock), errs=(errno.ENOSYS,)) and ok
verdict(ok)
)PY"));
  // dnotify would show the host's and other runs' reads of shared modules.
  c.push_back(ok_case("dnotify_shared_dir", R"PY(
fd = os.open(os.path.dirname(os.__file__), os.O_RDONLY)
verdict(refused(72, fd, 1026, 0x1 | 0x80000000))  # F_NOTIFY, DN_ACCESS | DN_MULTISHOT
)PY"));
  c.push_back(ok_case("fcntl_ordinary_commands_allowed", R"PY(
import fcntl
r, w = os.pipe()
fcntl.fcntl(r, fcntl.F_SETFL, fcntl.fcntl(r, fcntl.F_GETFL) | os.O_NONBLOCK)
d = fcntl.fcntl(r, fcntl.F_DUPFD_CLOEXEC, 10)
m = os.memfd_create('x', os.MFD_ALLOW_SEALING)
fcntl.fcntl(m, fcntl.F_ADD_SEALS, fcntl.F_SEAL_GROW)
open('/tmp/f', 'w').write('x')
f = os.open('/tmp/f', os.O_RDONLY)
os.posix_fadvise(f, 0, 0, os.POSIX_FADV_DONTNEED)  # advice: accepted, ignored
verdict(d >= 10 and fcntl.fcntl(r, fcntl.F_GETFL) & os.O_NONBLOCK and fcntl.fcntl(r, fcntl.F_GETPIPE_SZ) > 0 and
        fcntl.fcntl(m, fcntl.F_GET_SEALS) == fcntl.F_SEAL_GROW and not os.get_inheritable(d))
)PY"));
  // Evicting a shared file's pages (then timing who reads them back) is a
  // channel to the host and other runs: posix_fadvise is a no-op. The host
  // checks that the file the run tried to evict is still all in its cache.
  c.push_back(result_case("fadvise_dontneed_shared_file", R"PY(
path = os.path.join(os.path.dirname(os.__file__), 'this.py')
fd = os.open(path, os.O_RDONLY)
while os.read(fd, 1 << 16):
    pass
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
print(path)
)PY", [](const ExecResult& r) {
    ASSERT_EQ(r.exit_code, 0) << r.stderr_data;
    std::string path = r.stdout_data.substr(0, r.stdout_data.find('\n'));
    ASSERT_EQ(path.rfind("/usr/", 0), 0u) << path;
    EXPECT_EQ(pages_not_cached(path), 0) << path << ": the run evicted these pages of a shared file";
  }));
  return c;
}

}  // namespace agentcoder::sandbox::testing
