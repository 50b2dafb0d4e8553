// A fresh directory for one test under the system temp folder, removed with
// everything in it at destruction. Paths are strings, for the APIs that take
// them. Construction throws when the directory cannot be made, so a test
// never writes into "" or a folder another test shares.
#pragma once

#include <cerrno>
#include <cstdlib>  // mkdtemp
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace agentcoder::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "agentcoder-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
    root_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;  // never throw from a destructor; a leftover folder is harmless
    std::filesystem::remove_all(root_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& root() const { return root_; }

  // root()/relative; creates nothing.
  std::string path(const std::string& relative) const { return root_ + "/" + relative; }

  // Writes `content` to root()/relative, creating folders; returns the path.
  std::string write(const std::string& relative, const std::string& content) const {
    std::filesystem::path p = path(relative);
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << content;
    if (!out.flush()) throw std::runtime_error("cannot write " + p.string());
    return p.string();
  }

 private:
  std::string root_;
};

}  // namespace agentcoder::testing
