// bench/sandbox: the rate of the page-cache channel between sandboxed runs
// that the filter leaves open (src/sandbox/README.md, "Channels through the
// shared inodes").
//
//   cache_channel_bench [--dir D] [--file-mb M] [--stride-kb S] [--trials T] [--receiver nowait|timing]
//
// A file of M MiB is written under D, a directory of the sandbox's view (the
// host's /usr by default), and its pages are dropped from the host. Each
// trial sends a random message of M*1024/S bits from one warm run to the
// next (the page cache is the host's: runs in other slots, or at once, see
// the same pages):
//   sender    reads one byte at offset i*S for every 1 bit (the page, and
//             its readahead, become cached; S is far beyond the readahead)
//   receiver  nowait: asks for one byte at every offset i*S with
//             preadv2(RWF_NOWAIT), which fails with EAGAIN for a page that
//             is not cached and never reads the disk itself;
//             timing: reads one byte at every offset i*S and calls the page
//             cached when the read took under 20 us (a disk read takes
//             longer; the read caches the page)
// Each program times its own loop; the rate is the message's bits over the
// sum of both loops (a run's start-up is left out: a channel's users start
// once). The host then drops the file's pages again for the next trial;
// a run cannot (its posix_fadvise does nothing), so without the host each
// page carries one bit once, until memory pressure in the sender's own slot
// evicts the pages it read. Needs root (to write under /usr).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "sandbox/sandbox.h"

using namespace agentcoder::sandbox;

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "cache_channel_bench: %s\n", what.c_str());
  std::exit(1);
}

// Drops the file's pages from the host's page cache; returns how many of
// them are still cached (mincore).
size_t drop_pages(int fd, size_t bytes) {
  if (fdatasync(fd) != 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) fail("cannot drop the file's pages");
  void* map = mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) fail(std::string("mmap: ") + std::strerror(errno));
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> resident((bytes + page - 1) / page);
  if (mincore(map, bytes, resident.data()) != 0) fail(std::string("mincore: ") + std::strerror(errno));
  munmap(map, bytes);
  size_t cached = 0;
  for (unsigned char r : resident) cached += r & 1;
  return cached;
}

ExecResult run_or_fail(Sandbox& sb, const std::string& code) {
  ExecRequest r;
  r.code = code;
  r.limits.wall_seconds = 60;
  ExecResult res = sb.run(r);
  if (!res.succeeded()) fail("a run failed: " + res.stderr_data);
  return res;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/usr/local/share";
  int file_mb = 64, stride_kb = 256, trials = 3;
  std::string receiver = "nowait";
  CLI::App app{"cache_channel_bench: the rate of the page-cache channel between two sandboxed runs"};
  app.add_option("--dir", dir, "a directory of the sandbox's view to write the file in");
  app.add_option("--file-mb", file_mb, "file size in MiB")->check(CLI::Range(1, 4096));
  app.add_option("--stride-kb", stride_kb, "bytes between two bits, in KiB")->check(CLI::Range(4, 65536));
  app.add_option("--trials", trials, "messages sent")->check(CLI::Range(1, 1000));
  app.add_option("--receiver", receiver, "how the receiver tells a cached page")->check(CLI::IsMember({"nowait", "timing"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "cache_channel_bench: %s\n", e.what());
    return 2;
  }
  const size_t bytes = static_cast<size_t>(file_mb) << 20, stride = static_cast<size_t>(stride_kb) << 10;
  const size_t bits = bytes / stride;

  std::string path = dir + "/agentcoder-cache-channel-" + std::to_string(getpid()) + ".bin";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::fprintf(stderr, "cache_channel_bench: cannot create %s: %s\n", path.c_str(), std::strerror(errno));
    return 2;
  }
  std::mt19937_64 rng(1);
  std::vector<unsigned char> chunk(1 << 20);
  for (size_t written = 0; written < bytes; written += chunk.size()) {
    for (auto& c : chunk) c = static_cast<unsigned char>(rng());
    if (write(fd, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size())) fail("write the file");
  }

  std::unique_ptr<Sandbox> sb = make_sandbox(SandboxOptions{});
  std::printf("page-cache channel: %zu bits a message (%d MiB file, a bit every %d KiB), receiver %s, warm runs\n\n",
              bits, file_mb, stride_kb, receiver.c_str());
  std::printf("| trial | pages cached before | errors | sender ms | receiver ms | bits/s |\n|---|---|---|---|---|---|\n");
  int status = 0;
  for (int t = 0; t < trials; ++t) {
    size_t cached_before = drop_pages(fd, bytes);
    std::string message;
    for (size_t i = 0; i < bits; ++i) message += (rng() & 1) ? '1' : '0';
    const std::string common = "import os, time\nfd = os.open('" + path + "', os.O_RDONLY)\nstride = " +
                               std::to_string(stride) + "\nstart = time.perf_counter()\n";
    // One after the other keeps the receiver's timing apart from the
    // sender's disk reads.
    ExecResult sent = run_or_fail(*sb, common + "for i, bit in enumerate('" + message + "'):\n"
                                                "    if bit == '1':\n"
                                                "        os.pread(fd, 1, i * stride)\n"
                                                "print((time.perf_counter() - start) * 1000)\n");
    const std::string probe = receiver == "nowait" ? "    try:\n"
                                                     "        os.preadv(fd, [buf], i * stride, os.RWF_NOWAIT)\n"
                                                     "        seen.append('1')\n"
                                                     "    except BlockingIOError:\n"
                                                     "        seen.append('0')\n"
                                                   : "    t = time.perf_counter_ns()\n"
                                                     "    os.pread(fd, 1, i * stride)\n"
                                                     "    seen.append('1' if time.perf_counter_ns() - t < 20000 else '0')\n";
    ExecResult got = run_or_fail(*sb, common + "buf, seen = bytearray(1), []\n"
                                                "for i in range(" + std::to_string(bits) + "):\n" + probe +
                                                "print((time.perf_counter() - start) * 1000, ''.join(seen))\n");
    double sender_ms = std::stod(sent.stdout_data);
    size_t space = got.stdout_data.find(' ');
    if (space == std::string::npos) fail("the receiver printed '" + got.stdout_data + "'");
    double receiver_ms = std::stod(got.stdout_data.substr(0, space));
    std::string received = got.stdout_data.substr(space + 1);
    while (!received.empty() && received.back() == '\n') received.pop_back();
    if (received.size() != bits) fail("the receiver saw " + std::to_string(received.size()) + " bits");
    size_t errors = 0;
    for (size_t i = 0; i < bits; ++i) errors += message[i] != received[i];
    std::printf("| %d | %zu | %zu of %zu | %.1f | %.1f | %.0f |\n", t + 1, cached_before, errors, bits, sender_ms,
                receiver_ms, static_cast<double>(bits) / ((sender_ms + receiver_ms) / 1000.0));
    std::fflush(stdout);
  }
  close(fd);
  if (unlink(path.c_str()) != 0) status = 1;
  return status;
}
