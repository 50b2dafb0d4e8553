#include "utils/files.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "utils/errors.h"

namespace agentcoder {

std::string read_file(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::directory) throw InputError(path + ": is a directory, not a file");
  if (status.type() != std::filesystem::file_type::regular && std::filesystem::exists(status))
    throw InputError(path + ": not a regular file");
  if (status.type() != std::filesystem::file_type::regular) throw MissingFileError(path + ": no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  const std::string partial = path + ".partial";
  std::ofstream out(partial, std::ios::binary | std::ios::trunc);
  if (!out) throw InputError(path + ": cannot write");
  write(out);
  out.close();
  if (!out || std::rename(partial.c_str(), path.c_str()) != 0) {
    std::remove(partial.c_str());
    throw std::runtime_error(path + ": write failed");
  }
}

void write_file_atomically(const std::string& path, const std::string& text) {
  write_file_atomically(path, [&](std::ostream& out) { out << text; });
}

}  // namespace agentcoder
