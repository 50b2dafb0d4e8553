// Running a helper program (a Python script, a converter) to its end, the
// plain way: stdin from /dev/null, stdout and stderr into files rather than
// pipes, so that neither can fill up and stall the child.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace agentcoder {

// Runs argv[0] with `argv`; stdout to `stdout_path`, stderr to
// `stderr_path` (one file when the two are equal); the environment is
// `env` when given, else this process's. Waits for it and returns its wait
// status. Throws std::runtime_error when it cannot be started.
int run_to_files(const std::vector<std::string>& argv, const std::string& stdout_path,
                 const std::string& stderr_path, const std::optional<std::vector<std::string>>& env = std::nullopt);

// "exit N" or "signal N".
std::string describe_wait_status(int status);

// The last line of `text` (a log's last word), without the line ending.
std::string last_line(std::string text);

}  // namespace agentcoder
