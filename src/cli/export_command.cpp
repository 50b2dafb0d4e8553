// agentcoder export sft|dpo|kto|rewards RUN -o FILE.jsonl [--config FILE]
// [--run NAME] [--where COL=VALUE]...: a scored run as training data
// (src/training/README.md), with FILE.meta.json beside it.
// agentcoder export inspect RUN -o FILE.json [--config FILE] [--run NAME]:
// the run as an Inspect AI log (training/inspect_log.h); its manifest is
// inside, so no sidecar.
//   sft      [--select correct|best_choice|label|all]
//   rewards  [--necessity-threshold T] (needs_tool, evaluation/necessity.h)
//   dpo      [--balance] [--summary FILE.json]; pairs by direction and
//            category on stderr
//
// The store keeps what the model wrote, not the system prompts or the tool
// schemas of its first turn: those are rebuilt from the run's experiment
// config (--config; default experiments/<run name>.toml), which must be the
// text the run was started with; the tools must hash as the episodes
// recorded, and each episode's first turn, rendered again with the model's
// chat template, must hash as its key's prompt_sha256 (so an edited prompt
// file is caught). Anything else is refused with exit 2.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "agent/episode_runner.h"
#include "agent/prompt_format.h"
#include "agent/registry_toolbox.h"
#include "cli/commands.h"
#include "experiment/plan.h"
#include "experiment/run_config.h"
#include "models/chat_template.h"
#include "models/model.h"
#include "experiment/tool_setup.h"
#include "sandbox/sandbox.h"
#include "store/results_path.h"
#include "store/results_store.h"
#include "training/columns.h"
#include "training/dpo.h"
#include "training/export_file.h"
#include "training/inspect_log.h"
#include "training/kto.h"
#include "training/rewards.h"
#include "training/sft.h"
#include "training/training_set.h"
#include "utils/errors.h"
#include "utils/files.h"
#include "utils/paths.h"

namespace agentcoder::cli {
namespace {

using ojson = nlohmann::ordered_json;

struct ExportArgs {
  std::string kind;  // sft, dpo, kto, rewards, inspect
  std::string results;
  std::string run;
  std::string config;
  std::string output;
  std::vector<std::string> where;
  std::string select = "correct";
  bool balance = false;
  std::string summary;
  double necessity_threshold = 1.0;  // rewards: needs_tool (evaluation/necessity.h)
};

// The chat template of each model of the config, read from its GGUF without
// the weights (as plan() does); a re-quantized variant has its source's.
struct Templates {
  std::map<std::string, std::unique_ptr<models::Model>> models;
  std::map<std::string, std::unique_ptr<models::ChatTemplate>> chats;
};

training::PromptContext prompt_context(const std::string& config_path, const store::StoredRun& run) {
  std::string path = config_path.empty() ? "experiments/" + run.record.name + ".toml" : config_path;
  if (!std::filesystem::exists(path))
    throw InputError((config_path.empty() ? "--config not given and " + path + " does not exist" : path + ": no such file") +
                     ": pass the experiment config run '" + run.record.name +
                     "' was started with (its system prompts and tools are not in the results file)");
  if (read_file(path) != run.record.config_text)
    throw InputError(path + ": not the config text run '" + run.record.name +
                     "' was started with; pass that config with --config");
  auto config = std::make_shared<experiment::RunConfig>(experiment::load_run_config(path));
  training::PromptContext context;
  auto formats = std::make_shared<std::map<std::string, agent::PromptFormat>>();
  for (const std::string& f : config->formats) {
    (*formats)[f] = agent::load_prompt_format(config->prompts_dir, f);
    context.system_prompts[f] = (*formats)[f].system_prompt;
  }
  // The tools are built only for their declarations and schemas: nothing
  // runs, so a host without every protection may export too, and no
  // interpreter is started ahead.
  sandbox::SandboxOptions no_runs;
  no_runs.warm = false;
  no_runs.allow_weaker_isolation = true;
  auto toolbox = std::make_shared<agent::RegistryToolbox>(
      experiment::make_tool_registry(*config, sandbox::make_sandbox(no_runs)));
  context.tools = toolbox->registry().declarations();

  auto templates = std::make_shared<Templates>();
  for (const experiment::ModelVariant& v : config->models) {
    const std::string file = v.path == "default" ? default_model_path() : v.path;
    templates->models[v.name] = std::make_unique<models::Model>(models::ModelOptions{file, 0, true, true});
    templates->chats[v.name] = std::make_unique<models::ChatTemplate>(*templates->models[v.name]);
    experiment::apply_tool_format(*templates->chats[v.name], *config);
  }
  const agent::AgentOptions options = experiment::agent_options(*config);
  context.first_turn = [config, formats, toolbox, templates, options](const std::string& variant, const std::string& format,
                                                                     Mode mode, const std::string& task_prompt) {
    auto chat = templates->chats.find(variant);
    if (chat == templates->chats.end())
      throw InputError("model variant '" + variant + "' is not in " + config->file);
    return agent::first_turn(*chat->second, toolbox->schemas(), formats->at(format), mode, {"", task_prompt}, options);
  };
  return context;
}

std::string counts_line(const std::map<std::string, training::DirectionCounts>& counts) {
  std::string line;
  for (const auto& [category, c] : counts)
    line += "  " + category + ": call " + std::to_string(c.call) + ", text " + std::to_string(c.text) + ", same " +
            std::to_string(c.same) + "\n";
  return line;
}

void run_export(const ExportArgs& args) {
  std::vector<training::ColumnFilter> where;
  for (const std::string& w : args.where) where.push_back(training::parse_column_filter(w));
  const training::Selection selection = training::parse_selection(args.select);
  if (!(args.necessity_threshold > 0 && args.necessity_threshold <= 1))
    throw InputError("--necessity-threshold: must be in (0, 1], got " + std::to_string(args.necessity_threshold));

  store::ResultsStore store(store::resolve_results_file(args.results), store::Access::read_only);
  store::StoredRun run = store.pick_run(args.run);
  training::TrainingSet set = training::load_training_set(store, run, prompt_context(args.config, run));
  if (set.unverified_first_turns > 0)
    std::fprintf(stderr,
                 "warning: %lld of %zu episodes predate first-turn hashes (harness version 0): their prompts are "
                 "rebuilt from the config and tools without proof they are what the model saw\n",
                 static_cast<long long>(set.unverified_first_turns), set.episodes.size());
  size_t unscored = 0;
  for (const training::TrainingEpisode& t : set.episodes) unscored += !t.scored.scored;
  if (unscored > 0)
    std::fprintf(stderr, "warning: %zu of %zu episodes are not scored; run `agentcoder score %s` first\n", unscored,
                 set.episodes.size(), args.results.c_str());

  if (args.kind == "inspect") {
    const ojson log = training::inspect_log(set, store.tasks(run.run_id), store.scores(run.run_id));
    write_file_atomically(args.output, log.dump(-1, ' ', false, ojson::error_handler_t::replace) + "\n");
    std::fprintf(stderr, "%zu samples (%zu episodes) -> %s\n", log["samples"].size(), set.episodes.size(),
                 args.output.c_str());
    return;
  }

  ojson parameters = {{"where", args.where}};
  ojson counts = {{"episodes", set.episodes.size()}, {"first_turns_unverified", set.unverified_first_turns}};
  std::vector<ojson> rows;
  if (args.kind == "sft") {
    parameters["select"] = training::to_string(selection);
    rows = training::sft_rows(set, selection, where);
  } else if (args.kind == "kto") {
    rows = training::kto_rows(set, where);
  } else if (args.kind == "rewards") {
    parameters["necessity_threshold"] = args.necessity_threshold;
    set.necessity_threshold = args.necessity_threshold;
    training::compute_best_choices(set);  // necessity at this threshold
    rows = training::reward_rows(set, where);
  } else {
    parameters = {{"balance", args.balance}};
    training::DpoExport dpo = training::dpo_pairs(set, args.balance);
    const ojson summary = training::dpo_summary(dpo, args.balance);
    rows = std::move(dpo.rows);
    counts["pairs_by_category"] = summary["by_category"];
    if (args.balance) counts["pairs_before_balance"] = summary["before_balance"];
    std::fprintf(stderr, "%zu pairs preferring (call | text | same decision) by category%s:\n%s", rows.size(),
                 args.balance ? ", balanced" : "", counts_line(dpo.by_category).c_str());
    if (!args.summary.empty()) write_file_atomically(args.summary, summary.dump(2) + "\n");
  }
  counts["rows"] = rows.size();
  const std::string text = training::jsonl_text(rows);
  training::write_export(args.output, text, training::export_meta(args.kind, run, parameters, counts, text));
  std::fprintf(stderr, "%zu %s rows -> %s (+ %s)\n", rows.size(), args.kind.c_str(), args.output.c_str(),
               training::meta_path(args.output).c_str());
}

void add_common(CLI::App* cmd, ExportArgs& args) {
  cmd->add_option("RUN", args.results, "results.sqlite, or a results/<run>/ directory")->required();
  cmd->add_option("-o,--output", args.output,
                  args.kind == "inspect" ? "Output FILE.json" : "Output FILE.jsonl (FILE.meta.json is written beside it)")
      ->required();
  cmd->add_option("--run", args.run, "Run name, when the file holds several");
  cmd->add_option("--config", args.config,
                  "The run's experiment config (default: experiments/<run name>.toml): system prompts and tools");
}

CommandRegistrar reg("export", [](CLI::App& app) {
  CLI::App* cmd =
      app.add_subcommand("export", "Write a scored run as training data (sft, dpo, kto, rewards) or an Inspect AI log (inspect)");
  cmd->require_subcommand(1);
  struct Kind {
    const char* name;
    const char* help;
  };
  for (const Kind& k : {Kind{"sft", "SFT rows in TRL's conversational format with tools"},
                        Kind{"dpo", "DPO preference pairs from continuations of one prompt"},
                        Kind{"kto", "KTO rows: prompt, completion, label"},
                        Kind{"rewards", "Reward components per episode"},
                        Kind{"inspect", "The run as an Inspect AI evaluation log (JSON, version 2)"}}) {
    auto args = std::make_shared<ExportArgs>();
    args->kind = k.name;
    CLI::App* sub = cmd->add_subcommand(k.name, k.help);
    add_common(sub, *args);
    if (args->kind != "dpo" && args->kind != "inspect")
      sub->add_option("--where", args->where, "Only rows whose plain column COL has VALUE (COL=VALUE; repeatable)");
    if (args->kind == "sft")
      sub->add_option("--select", args->select, "Which episodes: correct, best_choice, label or all")->capture_default_str();
    if (args->kind == "rewards")
      sub->add_option("--necessity-threshold", args->necessity_threshold,
                      "needs_tool: force_text must solve at least this share of a task's samples, in (0, 1]")
          ->capture_default_str();
    if (args->kind == "dpo") {
      sub->add_flag("--balance", args->balance, "Equal call- and text-preferring pairs per category");
      sub->add_option("--summary", args->summary, "Also write the pair counts by category as JSON");
    }
    sub->callback([args] { run_export(*args); });
  }
});

}  // namespace
}  // namespace agentcoder::cli
