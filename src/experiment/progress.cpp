#include "experiment/progress.h"

#include <unistd.h>

#include <cstdio>

#include "utils/clock.h"

namespace agentcoder::experiment {
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

ProgressLine::ProgressLine(std::string label)
    : label_(std::move(label)),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_),
      tty_(isatty(STDERR_FILENO) != 0) {}

std::string ProgressLine::line() const {
  std::lock_guard lock(mutex_);
  return line_locked();
}

std::string ProgressLine::line_locked() const {
  const Progress& p = progress_;
  double elapsed = seconds_since(start_);
  size_t done = p.already_stored + p.done;
  double eps = elapsed > 0 ? p.done / elapsed : 0;
  double tps = elapsed > 0 ? p.generated_tokens / elapsed : 0;
  double eta = eps > 0 ? (p.planned - done) / eps : -1;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s [%zu/%zu] %3.0f%% | %.2f episodes/s | %.0f tok/s | elapsed %s | ETA %s",
                label_.c_str(), done, p.planned, p.planned ? 100.0 * done / p.planned : 100.0, eps, tps,
                duration_text(elapsed).c_str(), duration_text(eta).c_str());
  return buf;
}

void ProgressLine::update(const Progress& progress) {
  std::lock_guard lock(mutex_);
  progress_ = progress;
  if (progress.done == 0) return;  // the start: nothing to say yet
  auto now = std::chrono::steady_clock::now();
  if (tty_) {
    std::fprintf(stderr, "\r%s\033[K", line_locked().c_str());
  } else if (now - last_print_ > std::chrono::seconds(10) ||
             progress.already_stored + progress.done == progress.planned) {
    std::fprintf(stderr, "%s\n", line_locked().c_str());
    last_print_ = now;
  }
}

void ProgressLine::finish() {
  std::lock_guard lock(mutex_);
  std::fprintf(stderr, tty_ ? "\r%s\033[K\n" : "%s\n", line_locked().c_str());
}

}  // namespace agentcoder::experiment
