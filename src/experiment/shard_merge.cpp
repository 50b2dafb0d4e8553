#include "experiment/shard_merge.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "experiment/shard.h"
#include "store/hidden_states_file.h"
#include "store/results_path.h"
#include "store/results_store.h"
#include "utils/errors.h"
#include "utils/files.h"

namespace agentcoder::experiment {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Shard {
  std::string dir;  // .../shards/<I>-of-<N>
  ShardSpec spec;
  ShardMarker marker;
};

// <I>-of-<N> of a shard directory; nullopt when the name is not one.
std::optional<ShardSpec> spec_of(const fs::path& dir) {
  static const std::regex name("([0-9]{1,9})-of-([0-9]{1,9})");
  std::smatch m;
  const std::string base = dir.filename().string();
  if (!std::regex_match(base, m, name)) return std::nullopt;
  ShardSpec spec{std::stoul(m[1]), std::stoul(m[2])};
  if (spec.index < 1 || spec.index > spec.count) return std::nullopt;
  return spec;
}

// The shard directories named by `inputs`, and the run directory they belong to.
std::vector<fs::path> shard_dirs(const std::vector<std::string>& inputs, fs::path& run_dir) {
  std::vector<fs::path> dirs;
  if (inputs.size() == 1 && fs::is_directory(fs::path(inputs[0]) / "shards")) {
    run_dir = inputs[0];
    for (const auto& entry : fs::directory_iterator(run_dir / "shards"))
      if (entry.is_directory()) dirs.push_back(entry.path());
    if (dirs.empty()) throw InputError((run_dir / "shards").string() + ": no shard directories (<I>-of-<N>)");
    std::sort(dirs.begin(), dirs.end());  // the same shard named first on every file system
    return dirs;
  }
  for (const std::string& input : inputs) {
    fs::path p(input);
    if (fs::is_regular_file(p)) p = p.parent_path();
    if (!fs::is_directory(p))
      throw InputError(input + ": no such shard (a run directory with shards/, or a shard's directory or results file)");
    if (!spec_of(p)) throw InputError(input + ": not a shard directory (named <I>-of-<N>)");
    dirs.push_back(fs::absolute(p).lexically_normal());
  }
  run_dir = dirs[0].parent_path().parent_path();
  return dirs;
}

std::vector<Shard> read_shards(const std::vector<fs::path>& dirs) {
  std::optional<size_t> count;
  std::map<size_t, Shard> by_index;
  for (const fs::path& dir : dirs) {
    std::optional<ShardSpec> spec = spec_of(dir);
    if (!spec) throw InputError(dir.string() + ": not a shard directory (named <I>-of-<N>)");
    if (count && *count != spec->count)
      throw InputError(dir.string() + ": a shard of " + std::to_string(spec->count) + ", the others are of " +
                       std::to_string(*count) + " (remove the shards of the other split)");
    count = spec->count;
    by_index[spec->index] = {dir.string(), *spec, {}};
  }
  const fs::path some = dirs[0];
  for (size_t i = 1; i <= *count; ++i)
    if (!by_index.count(i))
      throw InputError(shard_dir(some.parent_path().parent_path().string(), {i, *count}) + ": missing (shard " +
                       std::to_string(i) + " of " + std::to_string(*count) + " has not run)");
  std::vector<Shard> shards;
  for (auto& [i, shard] : by_index) {
    const std::string marker = shard.dir + "/" + kShardMarkerName;
    if (!fs::exists(marker))
      throw InputError(shard.dir + ": incomplete (no " + std::string(kShardMarkerName) +
                       ": the shard has not finished; run it again with --resume)");
    json j = json::parse(read_file(marker), nullptr, false);
    if (j.is_discarded()) throw InputError(marker + ": not JSON");
    shard.marker = shard_marker_from_json(j, marker);
    if (shard.marker.spec.index != shard.spec.index || shard.marker.spec.count != shard.spec.count)
      throw InputError(marker + ": names shard " + std::to_string(shard.marker.spec.index) + " of " +
                       std::to_string(shard.marker.spec.count) + ", not the one of its directory");
    shards.push_back(std::move(shard));
  }
  return shards;
}

// Same run, config, plan and build; disjoint keys that make up the plan.
void check_consistent(const std::vector<Shard>& shards) {
  const ShardMarker& first = shards[0].marker;
  std::set<std::string> keys;
  for (const Shard& s : shards) {
    const ShardMarker& m = s.marker;
    auto differs = [&](const std::string& what) {
      return InputError(s.dir + ": " + what + " differs from shard " + std::to_string(first.spec.index) +
                        "'s; every shard must run the same config with the same build");
    };
    if (m.run != first.run) throw differs("run name ('" + m.run + "' vs '" + first.run + "')");
    if (m.config_sha256 != first.config_sha256) throw differs("config");
    if (m.plan_sha256 != first.plan_sha256 || m.plan_episodes != first.plan_episodes)
      throw differs("the plan (tasks, models or files)");
    if (m.build != first.build) throw differs("build (" + m.build.dump() + " vs " + first.build.dump() + ")");
    for (const std::string& key : m.keys)
      if (!keys.insert(key).second) throw InputError(s.dir + ": episode " + key + " is in another shard too");
  }
  if (keys.size() != first.plan_episodes)
    throw InputError(shards[0].dir + ": the shards hold " + std::to_string(keys.size()) + " of the plan's " +
                     std::to_string(first.plan_episodes) + " episodes");
}

void add(store::VariantResources& sum, const store::VariantResources& r) {
  sum.episodes += r.episodes;
  sum.prompt_tokens += r.prompt_tokens;
  sum.generated_tokens += r.generated_tokens;
  sum.wall_ms += r.wall_ms;
  sum.weight_bytes = std::max(sum.weight_bytes, r.weight_bytes);
  sum.peak_rss_bytes = std::max(sum.peak_rss_bytes, r.peak_rss_bytes);
  if (r.gpu_bytes) sum.gpu_bytes = std::max(sum.gpu_bytes.value_or(0), *r.gpu_bytes);
}

// A shard's hidden_states.bin (the runner writes it beside the shard's
// results file under this name), nullopt when it kept none.
std::optional<store::HiddenStates> shard_hidden_states(const Shard& s) {
  const fs::path file = fs::path(s.dir) / store::kHiddenStatesFile;
  if (!fs::exists(file)) return std::nullopt;
  return store::read_hidden_states(file.string());
}

std::string describe(const store::HiddenStatesHeader& h) {
  std::string layers;
  for (int layer : h.layers) layers += (layers.empty() ? "" : ", ") + std::to_string(layer);
  return "layers [" + layers + "], " + store::to_string(h.dtype);
}

// Every shard's hidden states, or none's: all shards ran one config, so a
// shard without the file, or with other layers or another dtype, is not
// part of this run's set.
std::vector<store::HiddenStates> check_hidden_states(const std::vector<Shard>& shards) {
  std::vector<std::optional<store::HiddenStates>> found;
  size_t with = shards.size();
  for (size_t k = 0; k < shards.size(); ++k) {
    found.push_back(shard_hidden_states(shards[k]));
    if (found.back() && with == shards.size()) with = k;
  }
  if (with == shards.size()) return {};
  const store::HiddenStatesHeader first = found[with]->header;  // a copy: the rows move out below
  const std::string first_name = "shard " + std::to_string(shards[with].spec.index);
  std::vector<store::HiddenStates> out;
  for (size_t k = 0; k < shards.size(); ++k) {
    if (!found[k])
      throw InputError(shards[k].dir + ": no " + store::kHiddenStatesFile + ", but " + first_name +
                       " kept hidden states; every shard must run with the same [probe] hidden_layers");
    const store::HiddenStatesHeader& h = found[k]->header;
    if (h.layers != first.layers || h.dtype != first.dtype)
      throw InputError(shards[k].dir + ": hidden states of " + describe(h) + ", " + first_name + "'s are of " +
                       describe(first) + "; every shard must run with the same [probe] hidden_layers and dtype");
    out.push_back(std::move(*found[k]));
  }
  return out;
}

}  // namespace

MergeSummary merge_shards(const std::vector<std::string>& inputs, std::string out) {
  if (inputs.empty()) throw InputError("merge: name a run directory or its shards");
  fs::path run_dir;
  std::vector<Shard> shards = read_shards(shard_dirs(inputs, run_dir));
  check_consistent(shards);
  if (out.empty()) out = (run_dir / store::kResultsFileName).string();
  if (fs::exists(out)) throw InputError(out + ": exists; remove it to merge again");

  // Every listed key stored, before anything is written.
  std::vector<std::unique_ptr<store::ResultsStore>> sources;
  std::vector<store::StoredRun> runs;
  for (const Shard& s : shards) {
    const std::string file = s.dir + "/" + store::kResultsFileName;
    if (!fs::exists(file)) throw InputError(s.dir + ": incomplete (no " + store::kResultsFileName + ")");
    sources.push_back(std::make_unique<store::ResultsStore>(file, store::Access::read_only));
    std::optional<store::StoredRun> run = sources.back()->find_run(s.marker.run);
    if (!run) throw InputError(file + ": no run '" + s.marker.run + "'");
    const std::set<std::string> stored = sources.back()->completed_keys(run->run_id);
    for (const std::string& key : s.marker.keys)
      if (!stored.count(key)) throw InputError(s.dir + ": incomplete (episode " + key + " is not stored)");
    runs.push_back(*run);
  }
  const std::vector<store::HiddenStates> hidden = check_hidden_states(shards);
  // Beside `out`, where readers look for it (store::hidden_states_path()).
  const std::string hidden_out = (fs::path(out).parent_path() / store::kHiddenStatesFile).string();
  if (!hidden.empty() && fs::exists(hidden_out))
    throw InputError(hidden_out + ": exists; remove it to merge again");

  const std::string partial = out + ".partial";
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(partial + suffix);
  MergeSummary summary{shards.size(), 0, out};
  {
    store::ResultsStore merged(partial);
    store::RunRecord base = runs[0].record;
    nlohmann::json manifest = base.manifest;
    if (manifest.is_object()) manifest.erase("variant_resources");  // summed below
    manifest["shards"] = {{"count", shards.size()}, {"build", shards[0].marker.build}};
    if (!hidden.empty())  // as plan() references an unsharded run's file
      manifest["hidden_states"] =
          store::hidden_states_manifest(hidden[0].header.layers, store::to_string(hidden[0].header.dtype));
    base.manifest = manifest;
    store::RunSession begun = merged.begin_run(base);
    std::map<std::string, store::VariantResources> resources;
    for (size_t k = 0; k < shards.size(); ++k) {
      store::RunRecord record = runs[k].record;
      if (!record.manifest.is_object()) record.manifest = json::object();
      record.manifest.erase("variant_resources");
      record.manifest["merged_from"] = {{"shard", shards[k].spec.index}, {"of", shards[k].spec.count},
                                        {"file", shards[k].dir + "/" + store::kResultsFileName}};
      store::RunSession session = k == 0 ? begun : merged.resume_run(record, false);
      const int64_t run_id = runs[k].run_id;
      merged.put_tasks(session.run_id, sources[k]->tasks(run_id));
      for (const std::string& key : shards[k].marker.keys) {
        std::optional<store::StoredEpisode> e = sources[k]->get_episode(run_id, key);
        if (!merged.put_episode(session, e->record))
          throw InputError(shards[k].dir + ": episode " + key + " is in another shard too");
        ++summary.episodes;
      }
      std::vector<store::ScoreRecord> scores;
      const std::set<std::string> keys(shards[k].marker.keys.begin(), shards[k].marker.keys.end());
      for (auto& s : sources[k]->scores(run_id))
        if (keys.count(s.key_id)) scores.push_back(std::move(s));
      if (!scores.empty()) merged.put_scores(session.run_id, scores);
      for (const auto& [name, r] : store::variant_resources(runs[k])) {
        auto [it, fresh] = resources.try_emplace(name);
        if (fresh) {
          it->second.variant = name;
          it->second.session_id = session.session_id;
        }
        add(it->second, r);
      }
    }
    for (auto& [name, r] : resources) {
      r.note = "summed over " + std::to_string(shards.size()) +
               " shards: episodes, tokens and wall time (the shards' times added, not elapsed); the largest peak "
               "RSS and GPU bytes of one shard";
      merged.put_variant_resources(begun, r);
    }
  }
  if (!hidden.empty()) {
    // Each shard's rows of its own episodes; the file before the results
    // that reference it, so a crash in between leaves no dangling reference.
    const std::string hidden_partial = hidden_out + ".partial";
    fs::remove(hidden_partial);
    {
      store::HiddenStatesWriter writer(hidden_partial, hidden[0].header);
      for (size_t k = 0; k < shards.size(); ++k) {
        const std::set<std::string> keys(shards[k].marker.keys.begin(), shards[k].marker.keys.end());
        std::map<std::string, const store::HiddenRow*> rows;  // the last row of an id, as readers take it
        for (const store::HiddenRow& row : hidden[k].rows)
          if (keys.count(row.episode_id)) rows[row.episode_id] = &row;
        for (const auto& [id, row] : rows) writer.append(id, row->values);
      }
    }
    fs::rename(hidden_partial, hidden_out);
  }
  fs::rename(partial, out);
  return summary;
}

}  // namespace agentcoder::experiment
