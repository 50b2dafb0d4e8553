// agentcoder probe RUN [--run NAME] [--folds K] [--bootstrap N] [--seed S] [--json]:
// the hidden-state probe (evaluation/probe.h) of a run stored with
// `[probe] hidden_layers`: per variant and layer, the cross-validated AUROC
// of a "needs the tool" and of a "calls the tool" probe with their CIs, and
// the cosine between the two directions. Reads only.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/json_number.h"
#include "cli/scored_run.h"
#include "evaluation/probe.h"
#include "store/hidden_states_file.h"
#include "utils/errors.h"

namespace agentcoder::cli {
namespace {

using ojson = nlohmann::ordered_json;

struct ProbeArgs {
  AnalysisArgs run;
  int folds = 5;
  bool json = false;
};

// "0.71 [0.55, 0.86]", or why there is no AUROC.
std::string auroc_cell(const ojson& fit) {
  if (!fit.contains("auroc")) return "- (" + fit.value("why", std::string("no fit")) + ")";
  std::string cell = json_number(fit["auroc"], 2);
  if (fit.contains("ci_low")) cell += " [" + json_number(fit["ci_low"], 2) + ", " + json_number(fit["ci_high"], 2) + "]";
  return cell;
}

void print_table(const ojson& result) {
  for (const ojson& g : result["groups"]) {
    const ojson& first = g["layers"].front();
    std::cout << "variant " << g["variant"].get<std::string>() << ": " << g["episodes"].get<int>()
              << " free episodes with hidden states (width " << g["width"].get<int>() << "); needs: "
              << first["needs"]["n"].get<int>() << " labelled, " << first["needs"]["positives"].get<int>()
              << " need the tool; calls: " << first["calls"]["positives"].get<int>() << " call\n";
    std::printf("%6s  %-28s  %-28s  %7s\n", "layer", "needs AUROC [95% CI]", "calls AUROC [95% CI]", "cosine");
    for (const ojson& l : g["layers"])
      std::printf("%6d  %-28s  %-28s  %7s\n", l["layer"].get<int>(), auroc_cell(l["needs"]).c_str(),
                  auroc_cell(l["calls"]).c_str(), json_number(l["cosine"], 2).c_str());
  }
  std::cout << "AUROC from " << result["folds"].get<int>() << "-fold out-of-fold scores, a task's episodes in one "
            << "fold (fewer folds where a class has fewer tasks); CIs resample tasks. With tens of tasks these are "
            << "noise.\n";
}

void run_probe_command(const ProbeArgs& args) {
  ScoredRun scored = load_scored_run(args.run);
  const nlohmann::json& manifest = scored.run.record.manifest;
  if (!manifest.contains("hidden_states"))
    throw InputError(args.run.results + ": run '" + scored.run.record.name +
                     "' kept no hidden states (set [probe] hidden_layers in its config and run it again)");
  const std::string file = store::hidden_states_path(args.run.results, manifest);
  store::HiddenStates hidden = store::read_hidden_states(file);
  std::vector<evaluation::ProbeExample> examples = evaluation::probe_examples(scored.episodes, hidden, args.run.necessity_threshold);
  if (examples.empty())
    throw InputError(file + ": no free episode of run '" + scored.run.record.name + "' has a hidden-state row");
  evaluation::ProbeOptions options;
  options.folds = args.folds;
  options.bootstrap = args.run.bootstrap;
  options.seed = args.run.seed;
  ojson result = evaluation::run_probe(examples, hidden.header, options);
  if (args.json) std::cout << result.dump(2) << "\n";
  else print_table(result);
}

CommandRegistrar reg("probe", [](CLI::App& app) {
  auto args = std::make_shared<ProbeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "probe", "Per layer: how well the stored hidden states predict needing and calling the tool (AUROCs, cosine)");
  add_analysis_options(cmd, args->run, "Bootstrap resamples for the AUROCs' confidence intervals (0: none)");
  cmd->add_option("--folds", args->folds, "Cross-validation folds (at least 2)")->check(CLI::Range(2, 100));
  cmd->add_flag("--json", args->json, "Print the probe's JSON (src/evaluation/README.md)");
  cmd->callback([args] { run_probe_command(*args); });
});

}  // namespace
}  // namespace agentcoder::cli
