#include "sandbox/seccomp_policy.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace agentcoder::sandbox {
namespace {

// What CPython, its stdlib and ordinary C extensions call. Syscalls missing
// here get EPERM; names this libseccomp does not know are skipped, so they
// stay denied. Not inotify: a watch on the shared read-only system files
// sees the host's (and other runs') use of them, and its instances count
// against a per-user limit; the stdlib never uses it.
constexpr const char* kAllowed[] = {
    "accept", "accept4", "access", "alarm", "arch_prctl", "bind", "brk", "capget", "capset", "chdir",
    "chmod", "chown", "clock_getres", "clock_gettime", "clock_nanosleep", "close", "close_range",
    "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
    "epoll_ctl", "epoll_pwait", "epoll_pwait2", "epoll_wait", "eventfd", "eventfd2", "execve",
    "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fallocate", "fchdir",
    "fchmod", "fchmodat", "fchown", "fchownat", "fdatasync", "fgetxattr", "flistxattr",
    "fork", "fremovexattr", "fsetxattr", "fstat", "fstatfs", "fsync", "ftruncate", "futex",
    "futex_waitv", "futimesat", "get_robust_list", "getcpu", "getcwd", "getdents", "getdents64",
    "getegid", "geteuid", "getgid", "getgroups", "getitimer", "getpeername", "getpgid", "getpgrp",
    "getpid", "getppid", "getpriority", "getrandom", "getresgid", "getresuid", "getrlimit",
    "getrusage", "getsid", "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid",
    "getxattr", "kill",
    "lchown", "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr", "lremovexattr",
    "lseek", "lsetxattr", "lstat", "madvise", "membarrier", "memfd_create", "mincore", "mkdir",
    "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mprotect", "mq_getsetattr",
    "mq_notify", "mq_open", "mq_timedreceive", "mq_timedsend", "mq_unlink", "mremap", "msgctl",
    "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap", "nanosleep",
    "newfstatat", "open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe",
    "pipe2", "poll", "ppoll", "pread64", "preadv", "preadv2", "pselect6", "pwrite64",
    "pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recvfrom",
    "recvmmsg", "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat", "renameat2",
    "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask",
    "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_tgsigqueueinfo",
    "sched_get_priority_max", "sched_get_priority_min", "sched_getaffinity", "sched_getattr",
    "sched_getparam", "sched_getscheduler", "sched_rr_get_interval", "sched_setaffinity",
    "sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop", "sendfile",
    "sendmmsg", "sendmsg", "sendto", "set_robust_list", "set_tid_address", "setfsgid", "setfsuid",
    "setgid", "setgroups", "setitimer", "setpgid", "setpriority", "setregid", "setresgid",
    "setresuid", "setreuid", "setsid", "setsockopt", "setuid", "setxattr", "shmat",
    "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4", "socketpair",
    "splice", "stat", "statfs", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs",
    "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun",
    "timer_gettime", "timer_settime", "timerfd_create", "timerfd_gettime", "timerfd_settime",
    "times", "tkill", "truncate", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat",
    "utimes", "vfork", "vmsplice", "wait4", "waitid", "write", "writev",
};

// fcntl commands a program may use (low 32 bits; the kernel ignores the
// rest); everything else is EPERM: F_NOTIFY (dnotify would show the host's
// and other runs' use of the shared directories, as inotify), leases, and
// the lock commands below.
constexpr unsigned kAllowedFcntl[] = {
    F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_SETOWN, F_GETOWN, F_SETSIG, F_GETSIG,
    F_SETOWN_EX, F_GETOWN_EX, F_DUPFD_CLOEXEC, F_SETPIPE_SZ, F_GETPIPE_SZ,
    F_ADD_SEALS, F_GET_SEALS, F_GET_RW_HINT, F_SET_RW_HINT, F_GET_FILE_RW_HINT, F_SET_FILE_RW_HINT,
};
// File locks: every run sees the same inodes of the shared read-only system
// files and of the /dev nodes, so a lock one run holds (or its absence) is
// seen by runs in other slots. Refused with ENOSYS, which libraries read as
// "no locking here" (filelock raises NotImplementedError, SQLite fails a
// file database at once with "disk I/O error"); ENOLCK or EAGAIN would make
// them retry until the deadline.
constexpr unsigned kLockFcntl[] = {F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW};

// prctl options a Python program may use; everything else is EPERM.
constexpr unsigned long kAllowedPrctl[] = {
    PR_GET_PDEATHSIG, PR_GET_DUMPABLE,   PR_SET_DUMPABLE,   PR_GET_KEEPCAPS, PR_SET_NAME,
    PR_GET_NAME,      PR_GET_SECCOMP,    PR_SET_SECCOMP,    PR_CAPBSET_READ, PR_GET_TIMERSLACK,
    PR_SET_TIMERSLACK, PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS, PR_GET_CHILD_SUBREAPER,
    PR_SET_CHILD_SUBREAPER, PR_GET_THP_DISABLE, PR_SET_THP_DISABLE, PR_CAP_AMBIENT,
    PR_GET_SPECULATION_CTRL, 0x53564d41 /* PR_SET_VMA, glibc names its arenas */,
};

constexpr uint64_t kNamespaceFlags = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
                                     CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | 0x80 /* NEWTIME */;

class Filter {
 public:
  Filter() : ctx_(seccomp_init(SCMP_ACT_ERRNO(EPERM))) {
    if (!ctx_) throw std::runtime_error("seccomp: seccomp_init failed");
  }
  ~Filter() { seccomp_release(ctx_); }
  Filter(const Filter&) = delete;
  Filter& operator=(const Filter&) = delete;

  scmp_filter_ctx get() { return ctx_; }
  int rules() const { return rules_; }

  void check(int rc, const std::string& what) {
    if (rc < 0) throw std::runtime_error("seccomp: " + what + ": " + std::strerror(-rc));
  }

  void add(uint32_t action, const char* name, std::initializer_list<scmp_arg_cmp> args = {}) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) return;  // unknown to this libseccomp: stays denied
    check(seccomp_rule_add_array(ctx_, action, nr, static_cast<unsigned>(args.size()), args.begin()),
          std::string("rule for ") + name);
    ++rules_;
  }

 private:
  scmp_filter_ctx ctx_;
  int rules_ = 0;
};

// Adds "allow ioctl unless the low 32 bits of the command are TIOCSTI or
// TIOCLINUX" using only single-comparison rules (libseccomp refuses two
// comparisons on one argument). Both commands share the bits 0x5410; any
// command whose bits 4..31 differ from those is allowed bit by bit, and the
// 16 commands 0x5410..0x541f are allowed one by one, except the two.
void add_ioctl_rules(Filter& f) {
  constexpr uint32_t base = 0x5410;
  static_assert((TIOCSTI & ~0xfu) == base && (TIOCLINUX & ~0xfu) == base);
  for (int bit = 4; bit < 32; ++bit) {
    uint64_t mask = 1ull << bit;
    f.add(SCMP_ACT_ALLOW, "ioctl", {SCMP_A1(SCMP_CMP_MASKED_EQ, mask, ~uint64_t{base} & mask)});
  }
  for (uint32_t low = 0; low < 16; ++low) {
    uint32_t cmd = base | low;
    if (cmd == TIOCSTI || cmd == TIOCLINUX) continue;
    f.add(SCMP_ACT_ALLOW, "ioctl", {SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, cmd)});
  }
}

}  // namespace

SeccompProgram build_seccomp_program() {
  Filter f;
  f.check(seccomp_attr_set(f.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS), "bad-arch action");
  f.check(seccomp_attr_set(f.get(), SCMP_FLTATR_CTL_NNP, 0), "no_new_privs attribute");
  // A binary tree over syscall numbers instead of a chain of 300 rules: every
  // syscall of the program pays for the filter, and Python makes thousands.
  f.check(seccomp_attr_set(f.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2), "binary-tree optimisation");
  for (const char* name : kAllowed) f.add(SCMP_ACT_ALLOW, name);

  f.add(SCMP_ACT_ALLOW, "clone", {SCMP_A0(SCMP_CMP_MASKED_EQ, kNamespaceFlags, 0)});
  f.add(SCMP_ACT_ERRNO(ENOSYS), "clone3");
  for (uint64_t family : {AF_UNIX, AF_INET, AF_INET6})
    f.add(SCMP_ACT_ALLOW, "socket", {SCMP_A0(SCMP_CMP_EQ, family)});
  add_ioctl_rules(f);
  for (uint64_t persona : {0x0ull, 0xffffffffull})
    f.add(SCMP_ACT_ALLOW, "personality", {SCMP_A0(SCMP_CMP_EQ, persona)});
  // RLIMIT_CORE is pinned at 1 (launcher.h): the kernel then skips pipe
  // core handlers (core_pattern "|...") and file dumps alike. A run may read
  // it and change any other limit, never that one.
  f.add(SCMP_ACT_ALLOW, "setrlimit", {SCMP_A0(SCMP_CMP_NE, RLIMIT_CORE)});
  f.add(SCMP_ACT_ALLOW, "prlimit64", {SCMP_A1(SCMP_CMP_NE, RLIMIT_CORE)});
  f.add(SCMP_ACT_ALLOW, "prlimit64", {SCMP_A2(SCMP_CMP_EQ, 0)});
  for (unsigned long option : kAllowedPrctl)
    f.add(SCMP_ACT_ALLOW, "prctl", {SCMP_A0(SCMP_CMP_EQ, option)});
  for (unsigned cmd : kAllowedFcntl) f.add(SCMP_ACT_ALLOW, "fcntl", {SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, cmd)});
  for (unsigned cmd : kLockFcntl) f.add(SCMP_ACT_ERRNO(ENOSYS), "fcntl", {SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, cmd)});
  f.add(SCMP_ACT_ERRNO(ENOSYS), "flock");
  // posix_fadvise is advice the kernel may ignore: it succeeds and does
  // nothing, since POSIX_FADV_DONTNEED on a shared file would evict pages
  // the host and other runs read (then timing shows who reads them again).
  f.add(SCMP_ACT_ERRNO(0), "fadvise64");

  int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("seccomp: memfd_create: ") + std::strerror(errno));
  SeccompProgram program;
  try {
    f.check(seccomp_export_bpf(f.get(), fd), "export");
    off_t size = lseek(fd, 0, SEEK_END);
    if (size <= 0 || size % 8 != 0) throw std::runtime_error("seccomp: exported program has a bad size");
    program.instructions.resize(static_cast<size_t>(size) / 8);
    if (pread(fd, program.instructions.data(), static_cast<size_t>(size), 0) != size)
      throw std::runtime_error("seccomp: cannot read the exported program");
  } catch (...) {
    close(fd);
    throw;
  }
  close(fd);
  program.rules_added = f.rules();
  return program;
}

}  // namespace agentcoder::sandbox
