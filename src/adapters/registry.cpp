#include "adapters/registry.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "utils/errors.h"
#include "utils/files.h"
#include "utils/paths.h"

namespace agentcoder::adapters {
namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

nlohmann::json AdapterRecord::to_json() const {
  nlohmann::json data = nullptr;
  if (!data_path.empty()) data = {{"path", data_path}, {"sha256", data_sha256}};
  return {{"name", name},
          {"path", path},
          {"sha256", sha256},
          {"base", {{"path", base_path}, {"sha256", base_sha256}, {"architecture", base_architecture}}},
          {"rank", rank},
          {"alpha", alpha},
          {"target_modules", target_modules},
          {"tensors", tensors},
          {"data", data},
          {"peft_dir", peft_dir},
          {"converter", converter},
          {"created", created}};
}

AdapterRecord AdapterRecord::from_json(const nlohmann::json& j, const std::string& where) {
  AdapterRecord r;
  std::string field;
  try {
    field = "name", r.name = j.at("name").get<std::string>();
    field = "path", r.path = j.at("path").get<std::string>();
    field = "sha256", r.sha256 = j.at("sha256").get<std::string>();
    field = "base", r.base_path = j.at("base").at("path").get<std::string>();
    r.base_sha256 = j.at("base").at("sha256").get<std::string>();
    r.base_architecture = j.at("base").at("architecture").get<std::string>();
    field = "rank", r.rank = j.at("rank").get<int>();
    field = "alpha", r.alpha = j.at("alpha").get<double>();
    field = "target_modules", r.target_modules = j.at("target_modules").get<std::vector<std::string>>();
    field = "tensors", r.tensors = j.at("tensors").get<int>();
    field = "data";
    if (!j.at("data").is_null()) {
      r.data_path = j.at("data").at("path").get<std::string>();
      r.data_sha256 = j.at("data").at("sha256").get<std::string>();
    }
    field = "peft_dir", r.peft_dir = j.at("peft_dir").get<std::string>();
    field = "converter", r.converter = j.at("converter").get<std::string>();
    field = "created", r.created = j.at("created").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw InputError(where + ": field '" + field + "': " + e.what());
  }
  return r;
}

bool is_valid_name(const std::string& name) {
  if (name.empty() || name[0] == '.' || ends_with(name, ".gguf")) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

bool is_registry_name(const std::string& entry) {
  return entry.find('/') == std::string::npos && !ends_with(entry, ".gguf");
}

AdapterRegistry::AdapterRegistry(std::string dir) : dir_(std::move(dir)) {}

std::string AdapterRegistry::default_dir() {
  const char* dir = std::getenv("AGENTCODER_ADAPTER_REGISTRY");
  if (dir != nullptr && *dir != '\0') return dir;
  return agentcoder_home() + "/adapters";
}

void AdapterRegistry::add(const AdapterRecord& record, bool replace) const {
  if (!is_valid_name(record.name))
    throw InputError("adapter name '" + record.name +
                     "': use letters, digits, '.', '_' and '-' (not starting with '.', not ending in .gguf)");
  const std::string path = record_path(record.name);
  if (!replace && fs::exists(path))
    throw InputError("adapter '" + record.name + "' is already in the registry " + dir_ + " (--replace to overwrite)");
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw InputError(dir_ + ": cannot create the adapter registry: " + ec.message());
  write_file_atomically(path, record.to_json().dump(2) + "\n");
}

std::vector<AdapterRecord> AdapterRegistry::list() const {
  std::vector<AdapterRecord> records;
  if (!fs::is_directory(dir_)) return records;
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string file = entry.path().filename().string();
    if (entry.is_regular_file() && ends_with(file, ".json")) names.push_back(file.substr(0, file.size() - 5));
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) records.push_back(get(name));
  return records;
}

std::optional<AdapterRecord> AdapterRegistry::find(const std::string& name) const {
  if (!is_valid_name(name)) return std::nullopt;
  const std::string path = record_path(name);
  if (!fs::exists(path)) return std::nullopt;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": not JSON: " + e.what());
  }
  return AdapterRecord::from_json(j, path);
}

AdapterRecord AdapterRegistry::get(const std::string& name) const {
  auto record = find(name);
  if (!record) throw InputError("no adapter named '" + name + "' in the registry " + dir_);
  return *record;
}

std::optional<AdapterRecord> AdapterRegistry::find_by_sha256(const std::string& sha256) const {
  for (auto& record : list())
    if (record.sha256 == sha256) return record;
  return std::nullopt;
}

}  // namespace agentcoder::adapters
