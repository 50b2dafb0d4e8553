// agentcoder metrics RUN [--run NAME] [--json] [--bootstrap N] [--seed S]:
// the run's metrics (evaluation/metrics.h) as readable tables, or as the
// metrics JSON the report reads. Reads only.
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/scored_run.h"
#include "evaluation/metrics.h"
#include "evaluation/scored_episode.h"
#include "store/results_path.h"
#include "store/results_store.h"
#include "utils/errors.h"

namespace agentcoder::cli {
namespace {

using ojson = nlohmann::ordered_json;

struct MetricsArgs {
  AnalysisArgs run;
  bool json = false;
};

// A JSON number as text with `decimals` places; "-" for null (an empty
// denominator).
std::string num(const ojson& v, int decimals = 3) {
  if (v.is_null()) return "-";
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v.get<double>());
  return buf;
}

// Columns padded to their widest cell, the first left-aligned and the rest
// right-aligned.
void print_table(std::ostream& out, const std::string& title, const std::vector<std::vector<std::string>>& rows) {
  out << "\n" << title << "\n";
  std::vector<size_t> width;
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      std::string pad(width[i] - row[i].size(), ' ');
      out << (i == 0 ? row[i] + pad : "  " + pad + row[i]);
    }
    out << "\n";
  }
}

std::string condition_name(const ojson& c) {
  return c["variant"].get<std::string>() + "/" + c["prompt_format"].get<std::string>() + "/" +
         c["mode"].get<std::string>();
}

void print_summary(std::ostream& out, const ojson& m) {
  out << "run " << m["run"].get<std::string>() << ": " << m["episodes"].get<int64_t>() << " episodes, "
      << m["scored"].get<int64_t>() << " scored\n";

  std::vector<std::vector<std::string>> choice = {{"condition", "n", "accuracy", "95% CI", "tool use", "labelled",
                                                   "F1 (mal.=call)", "F1 (mal.=text)", "over-use", "under-use",
                                                   "halluc."}};
  for (const ojson& c : m["conditions"]) {
    const ojson& a = c["accuracy"];
    std::string ci = a["lo"].is_null() ? "-" : "[" + num(a["lo"]) + ", " + num(a["hi"]) + "]";
    choice.push_back({condition_name(c), num(c["n"]), num(a["value"]), ci, num(c["tool_use_rate"]),
                      num(c["labelled_tool_rate"]), num(c["decision"]["malformed_as_call"]["f1"]),
                      num(c["decision"]["malformed_as_abstention"]["f1"]), num(c["over_use_rate"]),
                      num(c["under_use_rate"]), num(c["hallucination_rate"])});
  }
  print_table(out, "Accuracy and tool choice (first action against the label)", choice);

  std::vector<std::vector<std::string>> tools = {{"condition", "tool", "precision", "recall", "F1", "support"}};
  for (const ojson& c : m["conditions"])
    for (const ojson& t : c["per_tool"]) {
      // A tool neither labelled nor called in the condition is all dashes.
      if (t["support"].get<int64_t>() == 0 && t["precision"].is_null()) continue;
      tools.push_back({condition_name(c), t["tool"].get<std::string>(), num(t["precision"]), num(t["recall"]),
                       num(t["f1"]), num(t["support"])});
    }
  print_table(out, "Per tool (first call)", tools);

  std::vector<std::vector<std::string>> efficiency = {{"condition", "calls/ep", "unneeded", "productivity",
                                                       "prompt tok", "gen tok", "KV MiB", "prompt ms", "decode ms",
                                                       "tool ms", "queue ms", "wall ms"}};
  for (const ojson& c : m["conditions"]) {
    const ojson& e = c["efficiency"];
    const ojson& l = e["latency_ms"];
    efficiency.push_back({condition_name(c), num(e["tool_calls_per_episode"], 2), num(e["unnecessary_tool_calls"]),
                          num(e["tool_productivity"]), num(e["prompt_tokens_per_task"], 1),
                          num(e["generated_tokens_per_task"], 1), num(e["kv_mb_per_inference"], 1),
                          num(l["prompt_eval"], 1), num(l["decode"], 1), num(l["tool"], 1), num(l["queue"], 1),
                          num(l["wall"], 1)});
  }
  print_table(out, "Efficiency (means per episode)", efficiency);

  std::vector<std::vector<std::string>> errors = {{"condition", "failed", "classes", "wrong result", "rec@1",
                                                   "rec@2", "rec@3", "loops", "give-ups", "multi-step",
                                                   "fabricated"}};
  for (const ojson& c : m["conditions"]) {
    const ojson& e = c["errors"];
    std::string classes;
    for (const auto& [cls, n] : e["by_class"].items())
      if (n.get<int64_t>() > 0) classes += (classes.empty() ? "" : " ") + cls + ":" + num(n);
    const ojson& f = c["fabrication"];
    errors.push_back({condition_name(c), num(e["failed_executions"]), classes.empty() ? "-" : classes,
                      num(e["wrong_result"]), num(e["recovery_at_k"]["1"]), num(e["recovery_at_k"]["2"]),
                      num(e["recovery_at_k"]["3"]), num(e["repeated_error_loops"]), num(e["give_ups"]),
                      num(e["multi_step_success"]),
                      num(f["claims"]) + "/" + num(f["episodes_without_execution"])});
  }
  print_table(out, "Errors and recovery", errors);

  std::vector<std::vector<std::string>> regret = {{"arm", "tasks", "free acc", "best acc", "regret", "best: tool",
                                                   "text", "either", "neither", "label agrees", "decided"}};
  for (const ojson& r : m["regret"]) {
    const ojson& b = r["best_choice"];
    regret.push_back({r["variant"].get<std::string>() + "/" + r["prompt_format"].get<std::string>(),
                      num(r["tasks"]), num(r["free_accuracy"]), num(r["best_accuracy"]), num(r["regret"]),
                      num(b["tool"]), num(b["text"]), num(b["either"]), num(b["neither"]),
                      num(r["label_agreement"]), num(r["label_decided_tasks"])});
  }
  print_table(out, "Free choice against the empirical best (force_tool / force_text)", regret);

  std::vector<std::vector<std::string>> calibration = {{"arm", "n", "AUROC", "bins (n: mean p_tool -> helped)"}};
  for (const ojson& c : m["calibration"]) {
    std::string bins;
    for (const ojson& b : c["bins"])
      if (b["n"].get<int64_t>() > 0)
        bins += (bins.empty() ? "" : "  ") + num(b["n"]) + ": " + num(b["mean_p_tool"], 2) + "->" +
                num(b["helped_rate"], 2);
    calibration.push_back({c["variant"].get<std::string>() + "/" + c["prompt_format"].get<std::string>(),
                           num(c["n"]), num(c["auroc"]), bins.empty() ? "-" : bins});
  }
  print_table(out, "Decision probe calibration (tasks where the tool helped or hurt)", calibration);
}

void run_metrics(const MetricsArgs& args) {
  ScoredRun scored = load_scored_run(args.run);
  ojson m = evaluation::compute_metrics(scored.episodes, metrics_options(args.run, scored));
  if (args.json)
    std::cout << m.dump(2) << std::endl;
  else
    print_summary(std::cout, m);
}

CommandRegistrar reg("metrics", [](CLI::App& app) {
  auto args = std::make_shared<MetricsArgs>();
  CLI::App* cmd = app.add_subcommand("metrics", "A run's metrics per condition: readable tables, or the JSON");
  add_analysis_options(cmd, args->run);
  cmd->add_flag("--json", args->json, "Print the metrics JSON (evaluation/README.md) instead of tables");
  cmd->callback([args] { run_metrics(*args); });
});

}  // namespace
}  // namespace agentcoder::cli
