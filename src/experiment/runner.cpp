#include "experiment/runner.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>

#include "agent/episode_runner.h"
#include "data/task_json.h"
#include "experiment/record_mapping.h"
#include "models/chat_template.h"
#include "models/llama_runtime.h"
#include "models/lora.h"
#include "models/model.h"
#include "store/hidden_states_file.h"
#include "utils/errors.h"
#include "utils/process_memory.h"
#include "utils/sha256.h"

namespace agentcoder::experiment {
namespace {

store::RunSession open_run(const Plan& plan, store::ResultsStore& results, const RunOptions& options) {
  store::RunRecord run{plan.config.name, plan.config.text, nlohmann::json(), plan.manifest};  // the TOML text decides "same config"
  if (!results.find_run(plan.config.name)) return results.begin_run(run);
  if (!options.resume)
    throw InputError(results.path() + ": run '" + plan.config.name + "' exists; continue it with --resume (or remove " +
                     plan.run_dir + ")");
  return results.resume_run(run, options.allow_config_change);
}

// The tasks as posed, so that `agentcoder score` needs no task file.
void store_tasks(const Plan& plan, store::ResultsStore& results, int64_t run_id) {
  std::vector<store::StoredTask> snapshot;
  for (const auto& task : plan.tasks)
    snapshot.push_back({task.id, task_sha256(task), data::task_to_json(task).dump()});
  results.put_tasks(run_id, snapshot);
}

// What run_variant measured of its model and engine.
struct VariantUsage {
  uint64_t weight_bytes = 0;
  std::optional<uint64_t> gpu_free_after_engine;  // nullopt without a GPU
  double wall_ms = 0;                             // the episodes, first submitted to last finished
};

// Runs `todo` (indices into plan.episodes, all of one variant) on one
// engine; `stored(index, record, hidden states)` is called as each one ends
// (the hidden states are empty unless [probe] asks for them, in free mode).
void run_variant(const Plan& plan, const Variant& variant, const std::vector<size_t>& todo,
                 const std::function<void(size_t, const store::EpisodeRecord&, const std::vector<float>&)>& stored,
                 VariantUsage& usage) {
  models::Model model({variant.path, variant.config.gpu_layers});
  usage.weight_bytes = model.weight_bytes();
  std::vector<std::unique_ptr<models::LoraAdapter>> adapters;
  std::vector<std::pair<const models::LoraAdapter*, float>> active;
  for (const auto& a : variant.adapters) {
    adapters.push_back(std::make_unique<models::LoraAdapter>(model, a.path));
    active.emplace_back(adapters.back().get(), static_cast<float>(a.scale));
  }
  models::ChatTemplate chat(model);
  apply_tool_format(chat, plan.config);
  models::Engine engine(model, engine_options(plan.config, plan.formats.size()));
  if (!active.empty()) engine.set_adapters(active);
  usage.gpu_free_after_engine = models::gpu_free_bytes();

  agent::EpisodeRunner runner(engine, chat, *plan.toolbox, plan.agent);
  for (const auto& [name, format] : plan.formats) {
    runner.share_prefix(format, Mode::free);
    runner.share_prefix(format, Mode::force_text);
  }
  std::vector<agent::EpisodeSpec> specs;
  for (size_t i : todo) {
    const PlannedEpisode& e = plan.episodes[i];
    specs.push_back({plan.posed[e.task], &plan.formats.at(e.format), e.mode, static_cast<uint32_t>(e.key.seed)});
  }
  std::mutex mutex;
  std::string mismatch;
  auto start = std::chrono::steady_clock::now();
  agent::run_episodes(runner, specs, plan.config.parallel, [&](size_t i, agent::EpisodeTrace&& trace) {
    const PlannedEpisode& e = plan.episodes[todo[i]];
    // The key promises the first turn the model saw: an episode that saw
    // another is not stored under it.
    if (!trace.first_turn_sha256.empty() && trace.first_turn_sha256 != e.key.prompt_sha256) {
      std::lock_guard lock(mutex);
      mismatch = "episode " + e.key.task_id + " (" + e.format + ", " + to_string(e.mode) +
                 "): the first turn differs from the one its key was planned with; not stored";
      return;
    }
    stored(todo[i], to_record(trace, e.key, variant.config.name, plan.tasks[e.task]), trace.hidden_states);
  });
  usage.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!mismatch.empty()) throw std::logic_error(mismatch);
}

// What the note of a variant's resources says they cover.
std::string resources_note(bool peak_reset, int64_t session_id, size_t earlier_episodes) {
  std::string note = peak_reset ? "peak RSS from the model load to the last episode"
                                : "peak RSS of the whole process: this kernel cannot reset VmHWM (/proc/self/clear_refs), "
                                  "so earlier variants of the process count too";
  note += "; measured in session " + std::to_string(session_id);
  if (earlier_episodes > 0)
    note += ", a resumed run: the figures cover this process only, not the " + std::to_string(earlier_episodes) +
            " episodes stored by earlier sessions";
  return note;
}

}  // namespace

models::EngineOptions engine_options(const RunConfig& c, size_t format_count) {
  const int prefixes = static_cast<int>(format_count) * 2;  // each format with and without tools
  models::EngineOptions o;
  o.parallel = c.parallel;
  o.max_prefixes = prefixes;
  o.context_size = c.context_per_sequence * (c.parallel + prefixes);
  o.threads = c.threads;
  o.kv_type = c.kv_type;
  o.hidden_layers = c.hidden_layers;
  return o;
}

RunSummary run(const Plan& plan, store::ResultsStore& results, const RunOptions& options) {
  store::RunSession session = open_run(plan, results, options);
  store_tasks(plan, results, session.run_id);

  std::vector<size_t> wanted = options.only.value_or(std::vector<size_t>{});
  if (!options.only)
    for (size_t i = 0; i < plan.episodes.size(); ++i) wanted.push_back(i);
  const std::set<std::string> done = results.completed_keys(session.run_id);
  std::vector<std::vector<size_t>> todo(plan.variants.size());  // per variant, in plan order
  std::vector<size_t> earlier(plan.variants.size(), 0);         // per variant, stored before this call
  RunSummary summary;
  summary.planned = wanted.size();
  for (size_t i : wanted) {
    if (i >= plan.episodes.size()) throw std::out_of_range("experiment::run: episode index out of range");
    if (done.count(plan.episodes[i].key.id())) {
      ++summary.already_stored;
      ++earlier[plan.episodes[i].variant];
    } else todo[plan.episodes[i].variant].push_back(i);
  }

  // Beside the results file, so a shard keeps its own (store/hidden_states_file.h).
  std::unique_ptr<store::HiddenStatesWriter> hidden;
  if (!plan.config.hidden_layers.empty())
    hidden = std::make_unique<store::HiddenStatesWriter>(
        (std::filesystem::path(results.path()).parent_path() / store::kHiddenStatesFile).string(),
        store::HiddenStatesHeader{plan.config.hidden_layers, *store::parse_hidden_dtype(plan.config.hidden_dtype)});

  std::mutex mutex;  // serialises the progress callback
  Progress progress{summary.planned, summary.already_stored, 0, 0};
  if (options.on_progress) options.on_progress(progress);
  for (size_t vi = 0; vi < plan.variants.size(); ++vi) {
    if (todo[vi].empty()) continue;
    store::VariantResources resources;
    resources.variant = plan.variants[vi].config.name;
    resources.session_id = session.session_id;
    bool peak_reset = reset_peak_rss();  // the peak is this variant's, not an earlier one's
    std::optional<uint64_t> gpu_free_before = models::gpu_free_bytes();
    VariantUsage usage;
    run_variant(plan, plan.variants[vi], todo[vi], [&](size_t, const store::EpisodeRecord& record,
                                                       const std::vector<float>& hidden_states) {
      // The row after the episode: a crash between the two leaves an episode without a row, never a row without one.
      if (results.put_episode(session, record) && hidden && !hidden_states.empty())
        hidden->append(record.key.id(), hidden_states);
      std::lock_guard lock(mutex);
      ++summary.ran;
      ++progress.done;
      progress.generated_tokens += record.generated_tokens;
      ++resources.episodes;
      resources.prompt_tokens += record.prompt_tokens;
      resources.generated_tokens += record.generated_tokens;
      if (options.on_progress) options.on_progress(progress);
    }, usage);
    resources.peak_rss_bytes = peak_rss_bytes();
    resources.weight_bytes = usage.weight_bytes;
    if (gpu_free_before && usage.gpu_free_after_engine)
      resources.gpu_bytes = *gpu_free_before > *usage.gpu_free_after_engine
                                ? *gpu_free_before - *usage.gpu_free_after_engine
                                : 0;
    resources.wall_ms = usage.wall_ms;
    resources.note = resources_note(peak_reset, session.session_id, earlier[vi]);
    results.put_variant_resources(session, resources);
  }
  return summary;
}

}  // namespace agentcoder::experiment
