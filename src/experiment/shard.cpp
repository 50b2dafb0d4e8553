#include "experiment/shard.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "store/results_store.h"
#include "utils/errors.h"
#include "utils/files.h"
#include "utils/sha256.h"

namespace agentcoder::experiment {
namespace {

using nlohmann::json;

size_t parse_count(const std::string& digits, const std::string& text, const std::string& where) {
  if (digits.empty() || digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), ::isdigit))
    throw InputError(where + ": '" + text + "' is not I/N (e.g. 2/8)");
  return std::stoul(digits);
}

template <typename T>
T field(const json& j, const char* key, const std::string& file) {
  if (!j.contains(key)) throw InputError(file + ": field '" + key + "' is missing");
  try {
    return j.at(key).get<T>();
  } catch (const json::exception&) {
    throw InputError(file + ": field '" + std::string(key) + "' has the wrong type");
  }
}

}  // namespace

ShardSpec parse_shard(const std::string& text, const std::string& where) {
  size_t slash = text.find('/');
  if (slash == std::string::npos) throw InputError(where + ": '" + text + "' is not I/N (e.g. 2/8)");
  ShardSpec spec{parse_count(text.substr(0, slash), text, where), parse_count(text.substr(slash + 1), text, where)};
  if (spec.count < 1 || spec.index < 1 || spec.index > spec.count)
    throw InputError(where + ": '" + text + "': I must be from 1 to N");
  return spec;
}

double episode_cost(const Plan& plan, size_t episode) {
  const Variant& v = plan.variants[plan.episodes[episode].variant];
  std::error_code ec;
  auto bytes = std::filesystem::file_size(v.path, ec);
  return ec ? 1.0 : static_cast<double>(bytes);
}

std::vector<size_t> shard_episodes(const Plan& plan, const ShardSpec& spec) {
  // Variants in plan order, each variant's episodes by key id.
  std::vector<std::pair<size_t, std::string>> order;  // (episode index, key id)
  for (size_t i = 0; i < plan.episodes.size(); ++i) order.emplace_back(i, plan.episodes[i].key.id());
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    size_t va = plan.episodes[a.first].variant, vb = plan.episodes[b.first].variant;
    return va != vb ? va < vb : a.second < b.second;
  });
  std::vector<double> cost(plan.variants.size(), 0);
  double total = 0;
  for (size_t i = 0; i < plan.episodes.size(); ++i) {
    if (cost[plan.episodes[i].variant] == 0) cost[plan.episodes[i].variant] = episode_cost(plan, i);
    total += cost[plan.episodes[i].variant];
  }
  // An episode belongs to the shard its cost's midpoint falls in.
  std::vector<size_t> mine;
  double before = 0;
  for (const auto& [i, id] : order) {
    double c = cost[plan.episodes[i].variant];
    size_t shard = static_cast<size_t>((before + c / 2) / total * static_cast<double>(spec.count));
    if (std::min(shard, spec.count - 1) + 1 == spec.index) mine.push_back(i);
    before += c;
  }
  std::sort(mine.begin(), mine.end());
  return mine;
}

std::string shard_dir(const std::string& run_dir, const ShardSpec& spec) {
  return run_dir + "/shards/" + std::to_string(spec.index) + "-of-" + std::to_string(spec.count);
}

std::string plan_sha256(const Plan& plan) {
  std::string ids;
  for (const auto& e : plan.episodes) ids += e.key.id() + "\n";
  return sha256_hex(ids);
}

json to_json(const ShardMarker& m) {
  return {{"run", m.run},           {"shard", m.spec.index},          {"shards", m.spec.count},
          {"config_sha256", m.config_sha256}, {"plan_sha256", m.plan_sha256}, {"plan_episodes", m.plan_episodes},
          {"build", m.build},       {"keys", m.keys}};
}

ShardMarker shard_marker_from_json(const json& j, const std::string& file) {
  if (!j.is_object()) throw InputError(file + ": not a shard marker (a JSON object)");
  ShardMarker m;
  m.run = field<std::string>(j, "run", file);
  m.spec.index = field<size_t>(j, "shard", file);
  m.spec.count = field<size_t>(j, "shards", file);
  m.config_sha256 = field<std::string>(j, "config_sha256", file);
  m.plan_sha256 = field<std::string>(j, "plan_sha256", file);
  m.plan_episodes = field<size_t>(j, "plan_episodes", file);
  m.keys = field<std::vector<std::string>>(j, "keys", file);
  if (!j.contains("build") || !j["build"].is_object()) throw InputError(file + ": field 'build' is missing");
  m.build = j["build"];
  return m;
}

RunSummary run_shard(const Plan& plan, const ShardSpec& spec, RunOptions options) {
  const std::string dir = shard_dir(plan.run_dir, spec);
  const std::string marker_path = dir + "/" + kShardMarkerName;
  std::filesystem::create_directories(dir);
  std::filesystem::remove(marker_path);  // complete again only once every episode is stored
  options.only = shard_episodes(plan, spec);
  store::ResultsStore results(dir + "/results.sqlite");
  RunSummary summary = run(plan, results, options);

  ShardMarker m;
  m.run = plan.config.name;
  m.spec = spec;
  m.config_sha256 = store::RunRecord{plan.config.name, plan.config.text, json(), json()}.config_sha256();
  m.plan_sha256 = plan_sha256(plan);
  m.plan_episodes = plan.episodes.size();
  const std::set<std::string> stored = results.completed_keys(results.pick_run(plan.config.name).run_id);
  for (size_t i : *options.only) {
    const std::string id = plan.episodes[i].key.id();
    if (!stored.count(id))  // run() stores every episode or throws; this is the marker's own guarantee
      throw std::logic_error(results.path() + ": episode " + id + " of shard " + std::to_string(spec.index) +
                             " is not stored; the shard is not complete");
    m.keys.push_back(id);
  }
  m.build = {{"agentcoder", plan.manifest.value("/agentcoder/build_git_commit"_json_pointer, std::string())},
             {"tree_modified", plan.manifest.value("/agentcoder/build_tree_modified"_json_pointer, false)},
             {"llama_cpp", plan.manifest.value("/llama_cpp/commit"_json_pointer, std::string())}};
  write_file_atomically(marker_path, to_json(m).dump(1) + "\n");
  return summary;
}

}  // namespace agentcoder::experiment
