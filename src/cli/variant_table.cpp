#include "cli/variant_table.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace agentcoder::cli {
namespace {

std::string mib(const nlohmann::ordered_json& bytes, const char* null_text = "-") {
  if (bytes.is_null()) return null_text;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", bytes.get<double>() / (1024.0 * 1024.0));
  return buf;
}

std::string rate(const nlohmann::ordered_json& v) {
  if (v.is_null()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v.get<double>());
  return buf;
}

}  // namespace

std::string format_variants(const nlohmann::ordered_json& variants) {
  std::vector<std::vector<std::string>> rows = {{"variant", "weights MiB", "peak RSS MiB", "GPU MiB", "KV MiB mean",
                                                 "KV MiB max", "engine gen tok/s"}};
  std::vector<std::string> notes;
  for (const auto& v : variants) {
    const auto& kv = v.at("kv_bytes_per_inference");
    rows.push_back({v.at("variant").get<std::string>(), mib(v.at("weight_bytes")), mib(v.at("peak_rss_bytes")),
                    mib(v.at("gpu_bytes"), "n/a"), mib(kv.at("mean")), mib(kv.at("max")),
                    rate(v.at("engine_generation_tokens_per_s"))});
    notes.push_back(v.at("variant").get<std::string>() + ": " + v.at("note").get<std::string>());
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  std::string out = "\nMemory and throughput per variant (KV: per episode, the most one reply held)\n";
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      std::string pad(width[i] - row[i].size(), ' ');
      out += i == 0 ? row[i] + pad : "  " + pad + row[i];
    }
    out += "\n";
  }
  for (const std::string& n : notes) out += "  " + n + "\n";
  return out;
}

}  // namespace agentcoder::cli
