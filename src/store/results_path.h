// Where a run's results live: results/<run>/results.sqlite. The trace
// commands accept either that file or its directory.
#pragma once

#include <string>

namespace agentcoder::store {

constexpr const char* kResultsFileName = "results.sqlite";

// `arg` if it is a file; `arg`/results.sqlite if it is a directory holding
// one. Throws InputError naming `arg` otherwise.
std::string resolve_results_file(const std::string& arg);

}  // namespace agentcoder::store
