// The messages a supervisor exchanges with a slot's launcher and zygote.
//
// A slot has three AF_UNIX SOCK_SEQPACKET channels (each message arrives
// whole): the launcher's (configuration, 'R'eady, 'Q'uit), the cold channel
// and the zygote's. On the last two a run request is a RunRequest header
// plus four descriptors (stdin, stdout, stderr, a memfd holding the code),
// sent with SCM_RIGHTS and read by the run prepared for it. Answers:
//   'P' + a pidfd of the prepared run's pid 1, sent when it is prepared
//         (and the previous run's namespaces are gone); the supervisor takes
//         it before it starts a run's counters and sends the request (to
//         kill the run: the whole pid namespace dies with it; a later 'P'
//         supersedes one whose process died unused),
//   'D' + RunDone once every process of the run is gone; its wait status is
//         the program's (pid 2). Warm: pid 1, the run's init, kills and
//         reaps the rest when the program ends and hands the zygote this
//         report before its own exit, which the zygote waits for after 'D'.
//         Cold: sent once pid 1 has been reaped. pid 1's own status when
//         pid 1 was killed (the deadline), or
//   'E' + one line of text when the sandbox could not be set up.
// zygote.py unpacks the same layouts with struct ('<4sI5Q', '<iiqq'); keep
// them in step.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace agentcoder::sandbox {

struct RunRequest {
  char magic[4] = {'R', 'U', 'N', '1'};
  uint32_t reserved = 0;
  uint64_t tmp_bytes = 0;
  uint64_t tmp_inodes = 0;
  uint64_t rlimit_cpu_seconds = 0;
  uint64_t rlimit_fsize = 0;
  uint64_t rlimit_nofile = 0;
};
static_assert(sizeof(RunRequest) == 48);

// A run's end ('D'), as the run's init reports it once every other process
// of the run is reaped (or, where the init was killed, as its parent saw it).
struct RunDone {
  int32_t wait_status = 0;  // the program's, as from wait4()
  int32_t reserved = 0;
  int64_t cpu_usec = 0;     // rusage of the processes the init reaped
  int64_t max_rss_kb = 0;
};
static_assert(sizeof(RunDone) == 24);

// Sends `data` and `fds` as one message. Returns false on failure (errno set).
bool send_message(int sock, const void* data, size_t size, const int* fds = nullptr, size_t nfds = 0);
// Receives one message into `data` (resized to the message size) and appends
// any descriptors to `fds` (with O_CLOEXEC). Returns the byte count, 0 at
// EOF, -1 on error.
long receive_message(int sock, std::string& data, std::vector<int>& fds);

}  // namespace agentcoder::sandbox
