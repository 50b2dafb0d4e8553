// agentcoder run CONFIG [--resume]: runs an experiment (see
// agent/run_config.h) and writes results/<name>/results.sqlite.
//
// For each model variant: load it (re-quantized or with adapters if asked),
// build the tools over one shared sandbox, and run every task x format x
// mode episode, many at once on one engine; each finished episode is stored
// at once, so a run killed at any moment loses at most the episodes in
// flight and --resume skips every stored one.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "agent/episode_runner.h"
#include "agent/progress.h"
#include "agent/registry_toolbox.h"
#include "agent/run_config.h"
#include "cli/commands.h"
#include "data/family.h"
#include "data/generator.h"
#include "data/task_file.h"
#include "data/task_json.h"
#include "models/llama_runtime.h"
#include "models/lora.h"
#include "models/model.h"
#include "models/quantize.h"
#include "sandbox/sandbox.h"
#include "store/results_store.h"
#include "utils/errors.h"
#include "utils/paths.h"
#include "utils/run_manifest.h"
#include "utils/sha256.h"

namespace agentcoder::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct RunArgs {
  std::string config;
  std::string results_dir = "results";
  bool resume = false;
  bool allow_config_change = false;
  int limit = 0;
};

// The tasks of the run: the split, then at most per_cell per category x
// difficulty, chosen by a hash of the seed and the task id (stable when
// tasks are added to the file).
std::vector<data::Task> select_tasks(const agent::RunConfig& c, std::vector<data::Task> tasks, int limit) {
  std::vector<data::Task> in_split;
  for (auto& t : tasks)
    if (c.split.empty() || t.split == c.split) in_split.push_back(std::move(t));
  auto rank = [&](const data::Task& t) { return sha256_hex(std::to_string(c.seed) + ":" + t.id); };
  std::stable_sort(in_split.begin(), in_split.end(),
                   [&](const data::Task& a, const data::Task& b) { return rank(a) < rank(b); });
  std::map<std::pair<int, int>, int> taken;
  std::vector<data::Task> out;
  for (auto& t : in_split) {
    int& n = taken[{static_cast<int>(t.category), static_cast<int>(t.difficulty)}];
    if (c.per_cell > 0 && n >= c.per_cell) continue;
    ++n;
    out.push_back(std::move(t));
    if (limit > 0 && static_cast<int>(out.size()) >= limit) break;
  }
  std::stable_sort(out.begin(), out.end(), [](const data::Task& a, const data::Task& b) { return a.id < b.id; });
  return out;
}

std::vector<data::Task> load_or_generate_tasks(const agent::RunConfig& c, sandbox::Sandbox& sandbox) {
  if (!fs::exists(c.tasks)) {
    if (c.generate_per_cell <= 0) throw InputError(c.tasks + ": no such task file (data.tasks)");
    std::fprintf(stderr, "generating %s (seed %u, %d per cell)\n", c.tasks.c_str(), c.data_seed, c.generate_per_cell);
    data::GenerateOptions o;
    o.seed = c.data_seed;
    o.per_cell = c.generate_per_cell;
    auto tasks = data::generate(data::builtin_families(), sandbox, o);
    if (fs::path(c.tasks).has_parent_path()) fs::create_directories(fs::path(c.tasks).parent_path());
    data::write_tasks(c.tasks, tasks);
  }
  data::LoadResult loaded = data::load_tasks(c.tasks);
  if (loaded.bad_lines > 0)
    std::fprintf(stderr, "%s: %d bad lines skipped (run `agentcoder data validate %s`)\n", c.tasks.c_str(),
                 loaded.bad_lines, c.tasks.c_str());
  return std::move(loaded.tasks);
}

std::string resolve_model_path(const agent::ModelVariant& v, const std::string& run_dir) {
  std::string path = v.path == "default" ? default_model_path() : v.path;
  models::check_gguf_file(path);
  if (v.quantize.empty()) return path;
  std::string out = run_dir + "/models/" + fs::path(path).stem().string() + "." + v.quantize + ".gguf";
  if (!fs::exists(out)) {
    fs::create_directories(run_dir + "/models");
    std::fprintf(stderr, "quantizing %s to %s\n", path.c_str(), v.quantize.c_str());
    models::quantize(path, out + ".tmp", v.quantize);
    fs::rename(out + ".tmp", out);
  }
  return out;
}

store::StepRecord to_record(const agent::StepTrace& s) {
  store::StepRecord r;
  r.prefill = s.prompt_prefill;
  r.model_text = s.model_text;
  r.reply_kind = models::reply_kind_name(s.reply.kind);
  r.generation_stop = models::stop_reason_name(s.generation_stop);
  r.content = s.reply.content;
  r.parse_errors = s.reply.errors;
  r.repairs = s.reply.repairs;
  r.prompt_tokens = s.stats.prompt_tokens;
  r.prefix_reused_tokens = s.stats.prefix_reused_tokens;
  r.generated_tokens = s.stats.generated_tokens;
  r.queue_ms = s.stats.queued_ms;
  r.prompt_eval_ms = s.stats.prompt_eval_ms;
  r.decode_ms = s.stats.decode_ms;
  for (const auto& c : s.tool_calls)
    r.tool_calls.push_back({c.call.id, c.call.name, c.call.arguments, c.executed, c.ok, c.error_class,
                            c.result_for_model, c.record, c.wall_ms});
  return r;
}

store::EpisodeRecord to_record(const agent::EpisodeTrace& t, const store::EpisodeKey& key, const std::string& variant,
                               const data::Task& task) {
  store::EpisodeRecord r;
  r.key = key;
  r.variant = variant;
  r.category = data::to_string(task.category);
  r.difficulty = data::to_string(task.difficulty);
  r.optimal_tool = task.optimal_tool;
  r.outcome = agent::episode_stop_name(t.stop);
  r.final_answer = t.final_answer;
  r.first_decision = models::reply_kind_name(t.first_decision());
  if (!t.steps.empty() && !t.steps[0].reply.tool_calls.empty()) r.first_tool = t.steps[0].reply.tool_calls[0].name;
  r.p_tool = t.p_tool;
  r.p_text = 1.0 - t.p_tool;
  r.wall_ms = t.wall_ms;
  r.error = t.error;
  int64_t kv_bytes = 0;
  for (const auto& s : t.steps) {
    kv_bytes = std::max<int64_t>(kv_bytes, static_cast<int64_t>(s.stats.kv_bytes));
    r.steps.push_back(to_record(s));
    r.prompt_tokens += s.stats.prompt_tokens;
    r.generated_tokens += s.stats.generated_tokens;
    r.prompt_eval_ms += s.stats.prompt_eval_ms;
    r.decode_ms += s.stats.decode_ms;
    r.queue_ms += s.stats.queued_ms;
    for (const auto& c : s.tool_calls) r.tool_ms += c.wall_ms;
  }
  r.extra = {{"kv_bytes", kv_bytes}};  // the memory one inference held
  return r;
}

json settings_json(const agent::RunConfig& c) {
  return {{"max_steps", c.max_steps},
          {"max_tokens", c.max_tokens},
          {"max_tokens_per_step", c.max_tokens_per_step},
          {"temperature", c.temperature},
          {"fenced_code_is_call", c.fenced_code_is_call},
          {"context_per_sequence", c.context_per_sequence},
          {"sandbox", {{"timeout", c.sandbox_timeout}, {"memory_mb", c.sandbox_memory_mb}, {"cpus", c.sandbox_cpus}}}};
}

void run_experiment(const RunArgs& args) {
  agent::RunConfig c = agent::load_run_config(args.config);
  std::string run_dir = args.results_dir + "/" + c.name;
  fs::create_directories(run_dir);
  std::string db_path = run_dir + "/results.sqlite";

  sandbox::SandboxOptions sandbox_options;
  std::shared_ptr<sandbox::Sandbox> sandbox = sandbox::make_sandbox(sandbox_options);
  std::vector<data::Task> tasks = select_tasks(c, load_or_generate_tasks(c, *sandbox), args.limit);
  if (tasks.empty()) throw InputError(c.file + ": no task selected (data.split '" + c.split + "')");
  std::map<std::string, agent::PromptFormat> formats;
  for (const auto& f : c.formats) formats[f] = agent::load_prompt_format(c.prompts_dir, f);
  std::vector<agent::Mode> modes;
  for (const auto& m : c.modes) modes.push_back(agent::parse_mode(m));

  agent::RegistryToolbox toolbox(agent::build_tool_registry(c, sandbox));
  std::vector<std::string> tool_names = toolbox.registry().names();
  std::string tool_schema_sha = sha256_hex(toolbox.registry().declarations().dump());

  json manifest = environment_manifest();
  manifest["llama_cpp"] = models::llama_manifest();
  manifest["seeds"] = {{"sampling", c.seed}, {"data", c.data_seed}};
  manifest["tasks"] = {{"file", c.tasks}, {"sha256", sha256_file_hex(c.tasks)}, {"selected", tasks.size()}};
  manifest["sandbox_missing_protections"] = sandbox->missing_protections();

  struct Variant {
    agent::ModelVariant config;
    std::string path, sha256;
    std::vector<store::AdapterRef> adapters;
  };
  std::vector<Variant> variants;
  for (const auto& v : c.models) {
    Variant var{v, resolve_model_path(v, run_dir), "", {}};
    var.sha256 = sha256_file_hex(var.path);
    for (const auto& spec_text : v.lora) {
      auto spec = models::LoraSpec::parse(spec_text);
      var.adapters.push_back({spec.path, sha256_file_hex(spec.path), spec.scale});
    }
    manifest["models"].push_back({{"name", v.name}, {"path", var.path}, {"sha256", var.sha256},
                                  {"adapters", json::array()}});
    for (const auto& a : var.adapters)
      manifest["models"].back()["adapters"].push_back({{"path", a.path}, {"sha256", a.sha256}, {"scale", a.scale}});
    variants.push_back(std::move(var));
  }

  store::ResultsStore results(db_path);
  store::RunRecord run{c.name, c.text, json(), manifest};  // the TOML text decides "same config"
  store::RunSession session;
  if (args.resume && results.find_run(c.name)) session = results.resume_run(run, args.allow_config_change);
  else if (results.find_run(c.name))
    throw InputError(db_path + ": run '" + c.name + "' exists; continue it with --resume (or remove " + run_dir + ")");
  else session = results.begin_run(run);
  std::set<std::string> done = results.completed_keys(session.run_id);
  // The tasks as posed, so that `agentcoder score` needs no task file.
  std::vector<store::StoredTask> snapshot;
  for (const auto& task : tasks)
    snapshot.push_back({task.id, sha256_hex(task.prompt), data::task_to_json(task).dump()});
  results.put_tasks(session.run_id, snapshot);

  // Every episode of the run, keyed; the stored ones are skipped.
  struct Planned {
    agent::EpisodeSpec spec;
    store::EpisodeKey key;
    const data::Task* task;
  };
  std::vector<std::vector<Planned>> planned(variants.size());
  size_t total = 0, skipped = 0;
  for (size_t vi = 0; vi < variants.size(); ++vi) {
    for (const auto& [name, format] : formats) {
      for (agent::Mode mode : modes) {
        bool offers_tools = mode != agent::Mode::force_text;
        for (const auto& task : tasks) {
          store::EpisodeKey key;
          key.task_id = task.id;
          key.task_sha256 = sha256_hex(task.prompt);
          key.model_sha256 = variants[vi].sha256;  // covers the chat template inside the GGUF
          key.adapters = variants[vi].adapters;
          key.prompt_format = name;
          key.prompt_sha256 = sha256_hex(format.system_prompt);
          key.mode = agent::mode_name(mode);
          key.seed = c.seed;
          if (offers_tools) key.tools = tool_names;
          key.tool_schema_sha256 = offers_tools ? tool_schema_sha : "";
          key.settings = settings_json(c);
          ++total;
          if (done.count(key.id())) {
            ++skipped;
            continue;
          }
          planned[vi].push_back({{{task.id, task.prompt}, &format, mode, c.seed}, key, &task});
        }
      }
    }
  }
  std::fprintf(stderr, "run '%s': %zu tasks x %zu formats x %zu modes x %zu models = %zu episodes, %zu already stored\n",
               c.name.c_str(), tasks.size(), formats.size(), modes.size(), variants.size(), total, skipped);
  agent::Progress progress(c.name, total, skipped);

  for (size_t vi = 0; vi < variants.size(); ++vi) {
    const Variant& v = variants[vi];
    if (planned[vi].empty()) continue;
    models::Model model({v.path, v.config.gpu_layers});
    std::vector<std::unique_ptr<models::LoraAdapter>> adapters;
    std::vector<std::pair<const models::LoraAdapter*, float>> active;
    for (const auto& a : v.adapters) {
      adapters.push_back(std::make_unique<models::LoraAdapter>(model, a.path));
      active.emplace_back(adapters.back().get(), static_cast<float>(a.scale));
    }
    models::ChatTemplate chat(model);
    const int prefixes = static_cast<int>(formats.size()) * 2;  // each format with and without tools
    models::EngineOptions eo;
    eo.parallel = c.parallel;
    eo.max_prefixes = prefixes;
    eo.context_size = c.context_per_sequence * (c.parallel + prefixes);
    eo.threads = c.threads;
    models::Engine engine(model, eo);
    if (!active.empty()) engine.set_adapters(active);

    agent::AgentOptions ao;
    ao.max_steps = c.max_steps;
    ao.max_tokens = c.max_tokens;
    ao.max_tokens_per_step = c.max_tokens_per_step;
    ao.temperature = c.temperature;
    ao.fenced_code_is_call = c.fenced_code_is_call;
    agent::EpisodeRunner runner(engine, chat, toolbox, ao);
    for (const auto& [name, format] : formats) {
      runner.share_prefix(format, agent::Mode::free);
      runner.share_prefix(format, agent::Mode::force_text);
    }
    std::vector<agent::EpisodeSpec> specs;
    for (const auto& p : planned[vi]) specs.push_back(p.spec);
    agent::run_episodes(runner, specs, c.parallel, [&](size_t i, agent::EpisodeTrace&& trace) {
      const Planned& p = planned[vi][i];
      store::EpisodeRecord record = to_record(trace, p.key, v.config.name, *p.task);
      results.put_episode(session, record);
      progress.episode_done(record.generated_tokens);
    });
  }
  progress.finish();
  std::printf("results: %s\n", db_path.c_str());
}

CommandRegistrar reg("run", [](CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run an experiment (e.g. experiments/baseline.toml); results in results/<name>/");
  cmd->add_option("config", args->config, "Experiment config (TOML)")->required();
  cmd->add_flag("--resume", args->resume, "Continue the run of this name, skipping stored episodes");
  cmd->add_flag("--allow-config-change", args->allow_config_change, "With --resume: accept a changed config");
  cmd->add_option("--results", args->results_dir, "Directory of run results")->capture_default_str();
  cmd->add_option("--limit", args->limit, "Use at most this many tasks (0 = as configured)");
  cmd->callback([args] { run_experiment(*args); });
});

}  // namespace
}  // namespace agentcoder::cli
