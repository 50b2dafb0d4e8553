#include "store/results_path.h"

#include <filesystem>

#include "utils/errors.h"

namespace agentcoder::store {

std::string resolve_results_file(const std::string& arg) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (arg.empty()) throw InputError("results: empty path");
  if (!fs::exists(arg, ec)) throw MissingFileError(arg + ": no such file or directory");
  if (!fs::is_directory(arg, ec)) return arg;
  fs::path file = fs::path(arg) / kResultsFileName;
  if (!fs::exists(file, ec)) throw InputError(arg + ": directory holds no " + kResultsFileName);
  return file.string();
}

}  // namespace agentcoder::store
