#include "experiment/plan.h"

#include "adapters/gguf_facts.h"
#include "agent/distractor_tool.h"
#include "data/rng.h"
#include "data/task_json.h"
#include "experiment/task_functions.h"
#include "experiment/task_selection.h"
#include "experiment/tool_setup.h"
#include "models/llama_runtime.h"
#include "models/model.h"
#include "store/hidden_states_file.h"
#include "utils/errors.h"
#include "utils/files.h"
#include "utils/run_manifest.h"
#include "utils/sha256.h"

namespace agentcoder::experiment {
namespace {

using nlohmann::json;

// What else decides an episode's outcome, for its key.
json key_settings(const RunConfig& c) {
  json settings = {{"max_steps", c.max_steps},
                   {"max_tokens", c.max_tokens},
                   {"max_tokens_per_step", c.max_tokens_per_step},
                   {"temperature", c.temperature},
                   {"fenced_code_is_call", c.fenced_code_is_call},
                   {"context_per_sequence", c.context_per_sequence},
                   {"sandbox", {{"timeout", c.sandbox_timeout}, {"memory_mb", c.sandbox_memory_mb}, {"cpus", c.sandbox_cpus}}}};
  // Only when set, so that the keys of configs without them stay as they were.
  if (c.kv_type != "f16") settings["kv_type"] = c.kv_type;
  // A docs index counts by its content, not by where it was found from.
  if (!c.tools_options.empty()) {
    json options = c.tools_options;
    if (options.contains("docs") && options["docs"].contains("index") && options["docs"]["index"].is_string())
      options["docs"]["index"] = sha256_file_hex(options["docs"]["index"].get<std::string>());
    settings["tools_options"] = options;
  }
  return settings;
}

std::vector<std::string> function_names(const agent::EpisodeTask& posed) {
  std::vector<std::string> names;
  for (const auto& f : posed.functions) names.push_back(f.name);
  return names;
}

std::string functions_sha256(const agent::EpisodeTask& posed) {
  json list = json::array();
  for (const auto& f : posed.functions)
    list.push_back({{"name", f.name}, {"description", f.description}, {"parameters", f.parameters}});
  return sha256_hex(list.dump());
}

std::vector<PlannedEpisode> plan_episodes(const Plan& p) {
  const RunConfig& c = p.config;
  const std::vector<std::string> tool_names = p.toolbox->registry().names();
  const std::string tool_schema_sha = sha256_hex(p.toolbox->registry().declarations().dump());
  const std::vector<models::ToolSchema> schemas = p.toolbox->schemas();
  const json settings = key_settings(c);
  const models::ToolSchema distractor = agent::distractor_tool();
  const std::string distractor_sha = sha256_hex(
      json::array({{{"name", distractor.name}, {"description", distractor.description},
                    {"parameters", json::parse(distractor.parameters)}}}).dump());
  std::vector<std::string> task_hashes;
  for (const data::Task& task : p.tasks) task_hashes.push_back(task_sha256(task));
  std::vector<PlannedEpisode> episodes;
  for (size_t vi = 0; vi < p.variants.size(); ++vi) {
    // The template is all the first turn needs of the model: no weights.
    const models::Model vocab({p.variants[vi].path, 0, true, true});
    const int n_layer = c.hidden_layers.empty()
                            ? 0
                            : static_cast<int>(adapters::read_gguf_facts(p.variants[vi].path).arch_number("block_count"));
    for (int layer : c.hidden_layers)
      if (layer >= n_layer)
        throw InputError(c.hidden_layers_place + ": layer " + std::to_string(layer) + " is not a layer of model '" +
                         p.variants[vi].config.name + "' (" + std::to_string(n_layer) + " layers: 0 to " +
                         std::to_string(n_layer - 1) + ")");
    models::ChatTemplate chat(vocab);
    apply_tool_format(chat, c);
    for (const auto& [name, format] : p.formats) {
      for (const Mode mode : c.modes) {
        const bool offers_tools = offers_run_tools(mode);
        for (size_t ti = 0; ti < p.tasks.size(); ++ti) {
          const data::Task& task = p.tasks[ti];
          store::EpisodeKey key;
          key.task_id = task.id;
          key.task_sha256 = task_hashes[ti];
          key.model_sha256 = p.variants[vi].sha256;
          key.adapters = p.variants[vi].adapters;
          key.prompt_format = name;
          const agent::EpisodeTask& posed = p.posed[ti];
          const bool own_functions = !posed.functions.empty();
          try {
            key.prompt_sha256 = sha256_hex(agent::first_turn(chat, schemas, format, mode, posed, p.agent));
          } catch (const InputError& e) {  // e.g. force_tool with a template that has no call opener
            throw InputError(c.file + ": model '" + p.variants[vi].config.name + "', format '" + name + "': " + e.what());
          } catch (const std::exception& e) {
            if (!own_functions) throw;
            throw InputError(c.file + ": task '" + task.id + "': model '" + p.variants[vi].config.name +
                             "' cannot render its functions: " + e.what());
          }
          key.mode = to_string(mode);
          if (offers_tools) key.tools = own_functions ? function_names(posed) : tool_names;
          if (offers_tools) key.tool_schema_sha256 = own_functions ? functions_sha256(posed) : tool_schema_sha;
          if (mode == Mode::distractor) {
            key.tools = {distractor.name};
            key.tool_schema_sha256 = distractor_sha;
          }
          key.settings = settings;
          key.harness_version = agent::kHarnessBehaviourVersion;
          for (int sample = 0; sample < c.samples; ++sample) {
            store::EpisodeKey sampled = key;
            sampled.sample = sample;
            sampled.seed = sample_seed(c.seed, sample);
            episodes.push_back({vi, ti, name, mode, sample, std::move(sampled)});
          }
        }
      }
    }
  }
  return episodes;
}

}  // namespace

agent::AgentOptions agent_options(const RunConfig& c) {
  agent::AgentOptions o;
  o.max_steps = c.max_steps;
  o.max_tokens = c.max_tokens;
  o.max_tokens_per_step = c.max_tokens_per_step;
  o.temperature = c.temperature;
  o.fenced_code_is_call = c.fenced_code_is_call;
  if (!c.tool_instructions.empty()) o.tool_instructions = read_file(c.tool_instructions);
  o.forced_call_form = *agent::parse_forced_call_form(c.force_tool_prefill);  // checked by load_run_config
  o.keep_hidden_states = !c.hidden_layers.empty();
  return o;
}

void apply_tool_format(models::ChatTemplate& chat, const RunConfig& config) {
  if (config.tool_format == "harness") chat.force_harness_format();
}

uint32_t sample_seed(uint32_t seed, int sample) {
  if (sample == 0) return seed;
  return static_cast<uint32_t>(data::derive_seed(seed, "sample:" + std::to_string(sample)));
}

std::string task_sha256(const data::Task& task) { return sha256_hex(data::task_to_json(task).dump()); }

Plan plan(const RunConfig& config, const PlanOptions& options) {
  Plan p;
  p.config = config;
  p.run_dir = options.results_dir + "/" + config.name;
  p.results_path = p.run_dir + "/results.sqlite";
  p.sandbox = options.sandbox ? options.sandbox : std::shared_ptr<sandbox::Sandbox>(sandbox::make_sandbox({}));

  p.tasks = select_tasks(config, load_or_generate_tasks(config, *p.sandbox), options.limit);
  if (p.tasks.empty()) throw InputError(config.file + ": no task selected (data.split '" + config.split + "')");
  for (const data::Task& task : p.tasks) {
    try {
      p.posed.push_back(posed_task(task));
    } catch (const InputError& e) {
      throw InputError(config.tasks + ": " + e.what());
    }
  }
  for (const auto& f : config.formats) p.formats[f] = agent::load_prompt_format(config.prompts_dir, f);
  p.toolbox = std::make_shared<agent::RegistryToolbox>(make_tool_registry(config, p.sandbox));
  p.agent = agent_options(config);

  p.manifest = environment_manifest();
  p.manifest["llama_cpp"] = models::llama_manifest();
  p.manifest["seeds"] = {{"sampling", config.seed}, {"data", config.data_seed}};
  if (config.samples > 1) p.manifest["seeds"]["samples"] = config.samples;
  p.manifest["tasks"] = {{"file", config.tasks}, {"sha256", sha256_file_hex(config.tasks)}, {"selected", p.tasks.size()}};
  p.manifest["sandbox_missing_protections"] = p.sandbox->missing_protections();
  if (!config.hidden_layers.empty())  // where the run keeps them (store/hidden_states_file.h)
    p.manifest["hidden_states"] = store::hidden_states_manifest(config.hidden_layers, config.hidden_dtype);
  for (const auto& v : config.models) {
    Variant resolved = resolve_variant(v, p.run_dir);
    // Keys hash a variant's content, not its name: a second entry with the
    // same model and adapters would run every episode again and store none.
    auto same = [&](const Variant& o) {
      auto content = [](const std::vector<store::AdapterRef>& a) {
        std::vector<std::pair<std::string, double>> out;
        for (const store::AdapterRef& r : a) out.emplace_back(r.sha256, r.scale);
        return out;
      };
      return o.sha256 == resolved.sha256 && content(o.adapters) == content(resolved.adapters);
    };
    for (const Variant& earlier : p.variants)
      if (same(earlier))
        throw InputError(config.file + ": [[models]] '" + v.name + "' is the same model and adapters as '" +
                         earlier.config.name + "' (its episodes would be the same ones): drop one");
    p.variants.push_back(std::move(resolved));
    p.manifest["models"].push_back(variant_manifest(p.variants.back()));
  }
  p.episodes = plan_episodes(p);
  return p;
}

}  // namespace agentcoder::experiment
