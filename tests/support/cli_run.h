// Runs the agentcoder binary the way a user does, for CLI tests: stdout and
// stderr together, and the exit code.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

namespace agentcoder::testing {

struct CliRun {
  int code;
  std::string out;  // stdout and stderr together
};

// A shell command's stdout and exit code (stderr as the command redirects it).
inline CliRun run_shell(const std::string& cmd) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe.get())) > 0) out.append(buf.data(), n);
  int status = pclose(pipe.release());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

inline CliRun run_cli(const std::string& binary, const std::string& args) {
  return run_shell(binary + " " + args + " 2>&1");
}

inline int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace agentcoder::testing
