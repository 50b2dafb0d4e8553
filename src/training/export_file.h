// Writing an export: FILE.jsonl (one row a line, UTF-8, keys in the order
// the export built them) and its sidecar FILE.meta.json, which says where
// the rows came from and how they were chosen:
//   {"export": "sft", "format_version": 1, "run": name, "run_created_at",
//    "config_sha256", "config": the TOML as run, "manifest": the run's manifest (model sha256s,
//    llama.cpp, harness git commit, seeds, tasks), "parameters": the
//    export's own options, "counts": rows and what the export counts,
//    "rows_sha256": of FILE.jsonl}
// Nothing in either depends on the clock or the machine, so exporting one
// run twice gives byte-identical files. Both are written atomically.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/run_record.h"

namespace agentcoder::training {

// FILE.jsonl -> FILE.meta.json; any other name gets ".meta.json" appended.
std::string meta_path(const std::string& jsonl_path);

std::string jsonl_text(const std::vector<nlohmann::ordered_json>& rows);

nlohmann::ordered_json export_meta(const std::string& kind, const store::StoredRun& run, nlohmann::ordered_json parameters,
                                   nlohmann::ordered_json counts, const std::string& rows_text);

// Writes both files, creating the folder.
void write_export(const std::string& jsonl_path, const std::string& rows_text, const nlohmann::ordered_json& meta);

}  // namespace agentcoder::training
