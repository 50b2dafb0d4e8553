// A private temporary directory for one piece of work (a converter's
// inputs, a figure script's outputs), removed with its contents at
// destruction. Construction throws when the directory cannot be made.
#pragma once

#include <cerrno>
#include <cstdlib>  // mkdtemp
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace agentcoder {

class ScratchDir {
 public:
  // `prefix` names the directory under the system temp folder, for whoever finds a leftover.
  explicit ScratchDir(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("cannot create a temporary directory " + pattern + ": " + std::strerror(errno));
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;  // never throw from a destructor
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string path(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace agentcoder
