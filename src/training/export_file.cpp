#include "training/export_file.h"

#include <filesystem>

#include "utils/files.h"
#include "utils/sha256.h"

namespace agentcoder::training {

std::string meta_path(const std::string& jsonl_path) {
  const std::string ext = ".jsonl";
  if (jsonl_path.size() > ext.size() && jsonl_path.compare(jsonl_path.size() - ext.size(), ext.size(), ext) == 0)
    return jsonl_path.substr(0, jsonl_path.size() - ext.size()) + ".meta.json";
  return jsonl_path + ".meta.json";
}

std::string jsonl_text(const std::vector<nlohmann::ordered_json>& rows) {
  std::string text;
  for (const auto& row : rows) text += row.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  return text;
}

nlohmann::ordered_json export_meta(const std::string& kind, const store::StoredRun& run, nlohmann::ordered_json parameters,
                                   nlohmann::ordered_json counts, const std::string& rows_text) {
  nlohmann::ordered_json meta;
  meta["export"] = kind;
  meta["format_version"] = 1;
  meta["run"] = run.record.name;
  meta["run_created_at"] = run.created_at;
  meta["config_sha256"] = run.config_sha256;
  meta["config"] = run.record.config_text;
  meta["manifest"] = run.record.manifest;
  meta["parameters"] = std::move(parameters);
  meta["counts"] = std::move(counts);
  meta["rows_sha256"] = sha256_hex(rows_text);
  return meta;
}

void write_export(const std::string& jsonl_path, const std::string& rows_text, const nlohmann::ordered_json& meta) {
  const std::filesystem::path parent = std::filesystem::path(jsonl_path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  write_file_atomically(jsonl_path, rows_text);
  write_file_atomically(meta_path(jsonl_path), meta.dump(2) + "\n");
}

}  // namespace agentcoder::training
