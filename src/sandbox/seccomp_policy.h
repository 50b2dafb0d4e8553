// The seccomp allow-list every sandboxed Python process runs under.
//
// build_seccomp_program() compiles the policy once with libseccomp and
// returns the raw BPF, so a sandbox child only has to hand it to the kernel
// (no allocation, no libseccomp after fork). The policy:
//   - native x86-64 only: any other ABI (i386 int 0x80, x32) kills the process;
//   - default EPERM for every syscall not on the allow-list (ptrace, mount,
//     unshare, setns, keyctl, bpf, io_uring, perf_event_open, userfaultfd,
//     process_vm_*, module loading, ... are simply not on it);
//   - clone only without namespace flags, clone3 gives ENOSYS (glibc falls
//     back to clone, whose flags can be checked);
//   - socket only for AF_UNIX, AF_INET, AF_INET6;
//   - ioctl for every command except TIOCSTI and TIOCLINUX, comparing only the
//     low 32 bits (CVE-2019-10063);
//   - personality only to query or set PER_LINUX; prctl only for a short list
//     of harmless options (never PR_SET_PDEATHSIG, PR_SET_MM);
//   - fcntl only for an allow-list of commands (no F_NOTIFY, no leases); file
//     locks (flock, fcntl's lock commands) give ENOSYS and posix_fadvise is a
//     no-op, since every run shares the inodes of the system files and /dev
//     nodes (locks and evictions there are channels between runs).
// Every libseccomp call is checked; any failure throws std::runtime_error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace agentcoder::sandbox {

// The BPF program as the kernel takes it (struct sock_filter, 8 bytes each).
struct SeccompProgram {
  std::vector<uint64_t> instructions;
  int rules_added = 0;  // how many libseccomp rules it was built from
};

SeccompProgram build_seccomp_program();

}  // namespace agentcoder::sandbox
