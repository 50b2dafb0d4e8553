// agentcoder export sft|dpo|kto|rewards RUN -o FILE.jsonl [--config FILE]
// [--run NAME] [--where COL=VALUE]...: a scored run as training data
// (src/training/README.md), with FILE.meta.json beside it.
//   sft      [--select correct|best_choice|label|all]
//   dpo      [--balance] [--summary FILE.json]; pairs by direction and
//            category on stderr
//
// The store keeps what the model wrote, not the system prompts or the tool
// schemas of its first turn: those are rebuilt from the run's experiment
// config (--config; default experiments/<run name>.toml), which must be the
// text the run was started with, and the tools must hash as the episodes
// recorded. Anything else is refused with exit 2.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "agent/prompt_format.h"
#include "cli/commands.h"
#include "experiment/run_config.h"
#include "experiment/tool_setup.h"
#include "sandbox/sandbox.h"
#include "store/results_path.h"
#include "store/results_store.h"
#include "training/columns.h"
#include "training/dpo.h"
#include "training/export_file.h"
#include "training/kto.h"
#include "training/rewards.h"
#include "training/sft.h"
#include "training/training_set.h"
#include "utils/errors.h"
#include "utils/files.h"

namespace agentcoder::cli {
namespace {

using ojson = nlohmann::ordered_json;

struct ExportArgs {
  std::string kind;  // sft, dpo, kto, rewards
  std::string results;
  std::string run;
  std::string config;
  std::string output;
  std::vector<std::string> where;
  std::string select = "correct";
  bool balance = false;
  std::string summary;
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
  experiment::RunConfig config = experiment::load_run_config(path);
  training::PromptContext context;
  for (const std::string& f : config.formats)
    context.system_prompts[f] = agent::load_prompt_format(config.prompts_dir, f).system_prompt;
  // The tools are built only for their declarations: nothing runs.
  std::shared_ptr<sandbox::Sandbox> sandbox = sandbox::make_sandbox({});
  context.tools = experiment::make_tool_registry(config, sandbox)->declarations();
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

  store::ResultsStore store(store::resolve_results_file(args.results), store::Access::read_only);
  store::StoredRun run = store.pick_run(args.run);
  training::TrainingSet set = training::load_training_set(store, run, prompt_context(args.config, run));
  size_t unscored = 0;
  for (const training::TrainingEpisode& t : set.episodes) unscored += !t.scored.scored;
  if (unscored > 0)
    std::fprintf(stderr, "warning: %zu of %zu episodes are not scored; run `agentcoder score %s` first\n", unscored,
                 set.episodes.size(), args.results.c_str());

  ojson parameters = {{"where", args.where}};
  ojson counts = {{"episodes", set.episodes.size()}};
  std::vector<ojson> rows;
  if (args.kind == "sft") {
    parameters["select"] = training::to_string(selection);
    rows = training::sft_rows(set, selection, where);
  } else if (args.kind == "kto") {
    rows = training::kto_rows(set, where);
  } else if (args.kind == "rewards") {
    rows = training::reward_rows(set, where);
  } else {
    if (!where.empty()) throw InputError("export dpo: --where is not supported (pairs span modes); filter the rows instead");
    parameters = {{"balance", args.balance}};
    training::DpoExport dpo = training::dpo_pairs(set, args.balance);
    rows = std::move(dpo.rows);
    dpo.rows.clear();
    ojson summary = training::dpo_summary(dpo, args.balance);
    summary["pairs"] = rows.size();
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
  cmd->add_option("-o,--output", args.output, "Output FILE.jsonl (FILE.meta.json is written beside it)")->required();
  cmd->add_option("--run", args.run, "Run name, when the file holds several");
  cmd->add_option("--config", args.config,
                  "The run's experiment config (default: experiments/<run name>.toml): system prompts and tools");
}

CommandRegistrar reg("export", [](CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("export", "Write a scored run as training data (sft, dpo, kto, rewards)");
  cmd->require_subcommand(1);
  struct Kind {
    const char* name;
    const char* help;
  };
  for (const Kind& k : {Kind{"sft", "SFT rows in TRL's conversational format with tools"},
                        Kind{"dpo", "DPO preference pairs from continuations of one prompt"},
                        Kind{"kto", "KTO rows: prompt, completion, label"},
                        Kind{"rewards", "Reward components per episode"}}) {
    auto args = std::make_shared<ExportArgs>();
    args->kind = k.name;
    CLI::App* sub = cmd->add_subcommand(k.name, k.help);
    add_common(sub, *args);
    if (args->kind != "dpo")
      sub->add_option("--where", args->where, "Only rows whose plain column COL has VALUE (COL=VALUE; repeatable)");
    if (args->kind == "sft")
      sub->add_option("--select", args->select, "Which episodes: correct, best_choice, label or all")->capture_default_str();
    if (args->kind == "dpo") {
      sub->add_flag("--balance", args->balance, "Equal call- and text-preferring pairs per category");
      sub->add_option("--summary", args->summary, "Also write the pair counts by category as JSON");
    }
    sub->callback([args] { run_export(*args); });
  }
});

}  // namespace
}  // namespace agentcoder::cli
