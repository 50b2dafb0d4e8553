#include "utils/run_manifest.h"

#include <sqlite3.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <CLI/Version.hpp>
#include <fstream>
#include <openssl/opensslv.h>
#include <string>
#include <toml++/toml.h>

#include "utils/build_info.h"

namespace agentcoder {
namespace {

std::string first_line_with(const std::string& file, const std::string& key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) {
      size_t colon = line.find(':');
      std::string v = colon == std::string::npos ? line : line.substr(colon + 1);
      size_t b = v.find_first_not_of(" \t");
      return b == std::string::npos ? "" : v.substr(b);
    }
  return "";
}

}  // namespace

nlohmann::ordered_json environment_manifest() {
  utsname u{};
  uname(&u);
  return {
      {"agentcoder", {{"build_git_commit", build_git_commit()}, {"build_tree_modified", build_tree_modified()}}},
      {"compiler", __VERSION__},
      {"libraries",
       {{"nlohmann_json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." + std::to_string(NLOHMANN_JSON_VERSION_MINOR) +
                              "." + std::to_string(NLOHMANN_JSON_VERSION_PATCH)},
        {"sqlite", sqlite3_libversion()},
        {"tomlplusplus", std::to_string(TOML_LIB_MAJOR) + "." + std::to_string(TOML_LIB_MINOR) + "." +
                             std::to_string(TOML_LIB_PATCH)},
        {"cli11", CLI11_VERSION},
        {"openssl", OPENSSL_VERSION_TEXT}}},
      {"hardware",
       {{"cpu", first_line_with("/proc/cpuinfo", "model name")},
        {"cores", sysconf(_SC_NPROCESSORS_ONLN)},
        {"memory", first_line_with("/proc/meminfo", "MemTotal")}}},
      {"os", std::string(u.sysname) + " " + u.release + " " + u.machine},
  };
}

}  // namespace agentcoder
