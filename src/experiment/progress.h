// Progress of a run: what run() reports after each stored episode, and the
// line the CLI prints from it on stderr (episodes done, episodes/s,
// generated tokens/s, time left). The line redraws itself on a terminal and
// is printed every few seconds otherwise (CI logs).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>

namespace agentcoder::experiment {

struct Progress {
  size_t planned = 0;         // episodes of the run (or of the part being run)
  size_t already_stored = 0;  // found stored when the run began: not run again
  size_t done = 0;            // run and stored by this call so far
  uint64_t generated_tokens = 0;  // by the episodes done
};

// Thread-safe.
class ProgressLine {
 public:
  explicit ProgressLine(std::string label);
  void update(const Progress& progress);
  void finish();
  std::string line() const;  // the current status text

 private:
  std::string line_locked() const;

  mutable std::mutex mutex_;
  std::string label_;
  Progress progress_;
  std::chrono::steady_clock::time_point start_, last_print_;
  bool tty_;
};

}  // namespace agentcoder::experiment
