// Helpers shared by the data tests: temporary files and a sandbox.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "sandbox/sandbox.h"

namespace data_test {

// A fresh directory under the system temp dir, removed at destruction.
class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "ac_data_test_XXXXXX").string();
    path_ = mkdtemp(templ.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name, const std::string& content) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p) << content;
    return p;
  }
  std::string path(const std::string& name) const { return path_ + "/" + name; }
  const std::string& dir() const { return path_; }

 private:
  std::string path_;
};

// The project's sandbox; weaker isolation allowed because the code it runs
// in these tests is the tests' own.
inline std::unique_ptr<agentcoder::sandbox::Sandbox> test_sandbox() {
  agentcoder::sandbox::SandboxOptions options;
  options.allow_weaker_isolation = true;
  return agentcoder::sandbox::make_sandbox(options);
}

}  // namespace data_test
