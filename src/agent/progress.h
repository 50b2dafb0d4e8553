// Progress of a run on stderr: episodes done, episodes/s, generated
// tokens/s and the time left. Redraws one line on a terminal; prints a line
// every few seconds otherwise (CI logs). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace agentcoder::agent {

class Progress {
 public:
  Progress(std::string label, size_t total, size_t already_done = 0);
  void episode_done(uint64_t generated_tokens);
  void finish();
  std::string line() const;  // the current status text

 private:
  mutable std::mutex mutex_;
  std::string label_;
  size_t total_, done_, skipped_;
  uint64_t tokens_ = 0;
  std::chrono::steady_clock::time_point start_, last_print_;
  bool tty_;
};

}  // namespace agentcoder::agent
