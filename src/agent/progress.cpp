#include "agent/progress.h"

#include <unistd.h>

#include <cstdio>

namespace agentcoder::agent {
namespace {

std::string duration_text(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "?";
  int s = static_cast<int>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%dh%02dm", s / 3600, s % 3600 / 60);
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%dm%02ds", s / 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ds", s);
  return buf;
}

}  // namespace

Progress::Progress(std::string label, size_t total, size_t already_done)
    : label_(std::move(label)),
      total_(total),
      done_(already_done),
      skipped_(already_done),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_),
      tty_(isatty(STDERR_FILENO) != 0) {}

std::string Progress::line() const {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  size_t fresh = done_ - skipped_;
  double eps = elapsed > 0 ? fresh / elapsed : 0;
  double tps = elapsed > 0 ? tokens_ / elapsed : 0;
  double eta = eps > 0 ? (total_ - done_) / eps : -1;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s [%zu/%zu] %3.0f%% | %.2f episodes/s | %.0f tok/s | elapsed %s | ETA %s",
                label_.c_str(), done_, total_, total_ ? 100.0 * done_ / total_ : 100.0, eps, tps,
                duration_text(elapsed).c_str(), duration_text(eta).c_str());
  return buf;
}

void Progress::episode_done(uint64_t generated_tokens) {
  std::lock_guard lock(mutex_);
  ++done_;
  tokens_ += generated_tokens;
  auto now = std::chrono::steady_clock::now();
  if (tty_) {
    std::fprintf(stderr, "\r%s\033[K", line().c_str());
  } else if (now - last_print_ > std::chrono::seconds(10) || done_ == total_) {
    std::fprintf(stderr, "%s\n", line().c_str());
    last_print_ = now;
  }
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  std::fprintf(stderr, tty_ ? "\r%s\033[K\n" : "%s\n", line().c_str());
}

}  // namespace agentcoder::agent
