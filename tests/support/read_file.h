// The whole content of a file, for tests. Throws when the file cannot be
// opened, so that comparing two files that were never written fails instead
// of comparing "" with "".
#pragma once

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace agentcoder::testing {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace agentcoder::testing
