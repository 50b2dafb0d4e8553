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
#include "cli/decision_tables.h"
#include "cli/json_number.h"
#include "cli/scored_run.h"
#include "cli/variant_table.h"
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
  return c.at("variant").get<std::string>() + "/" + c.at("prompt_format").get<std::string>() + "/" +
         c.at("mode").get<std::string>();
}

std::string interval(const ojson& estimate) {
  return estimate.at("lo").is_null() ? "-" : "[" + json_number(estimate.at("lo")) + ", " + json_number(estimate.at("hi")) + "]";
}

// Hallucinated calls (evaluation/hallucination.h), where any was made or a
// mode was made to measure them; repeated samples (samples_metrics.h) where
// a condition has them.
void print_hallucination_and_samples(std::ostream& out, const ojson& m) {
  std::vector<std::vector<std::string>> halluc = {
      {"condition", "n", "calls", "rate", "95% CI", "probed", "mean p_tool", "95% CI"}};
  bool any = false;
  for (const ojson& c : m.at("conditions")) {
    const std::string mode = c.at("mode").get<std::string>();
    any |= mode == "no_tools" || mode == "distractor" || c.at("hallucinated_calls").get<int64_t>() > 0;
    const ojson& p = c.at("p_tool");
    halluc.push_back({condition_name(c), json_number(c.at("n")), json_number(c.at("hallucinated_calls")),
                      json_number(c.at("hallucination_rate")), interval(c.at("hallucination_ci")), json_number(p.at("n")),
                      json_significant(p.at("mean")),
                      p.at("lo").is_null() ? "-" : "[" + json_significant(p.at("lo")) + ", " + json_significant(p.at("hi")) + "]"});
  }
  if (any)
    print_table(out,
                "Hallucinated calls (to a tool not offered; any call in distractor): episodes with one; "
                "p_tool: the first reply's probability of opening a call, where the model decides",
                halluc);

  std::vector<std::vector<std::string>> samples = {{"condition", "K", "accuracy", "95% CI", "tool use", "95% CI",
                                                    "consistency", "unanimous", "pass@1", "pass@K"}};
  for (const ojson& c : m.at("conditions")) {
    const ojson& s = c.at("samples");
    if (s.is_null()) continue;
    const ojson& pass = s.at("pass_at_k");
    std::string k = json_number(s.at("per_task").at("min")) + "-" + json_number(s.at("per_task").at("max"));
    if (s.at("per_task").at("min") == s.at("per_task").at("max")) k = json_number(s.at("per_task").at("max"));
    samples.push_back({condition_name(c), k, json_number(s.at("accuracy").at("value")), interval(s.at("accuracy")),
                       json_number(s.at("tool_use_rate").at("value")), interval(s.at("tool_use_rate")),
                       json_number(s.at("tool_use_consistency").at("value")), json_number(s.at("unanimous_share").at("value")),
                       json_number(pass.front().at("value")), json_number(pass.back().at("value"))});
  }
  if (samples.size() == 1) return;
  print_table(out, "Repeated samples (means over tasks; CIs resample tasks)", samples);
  std::vector<std::vector<std::string>> flips = {{"arm", "tasks", "best choice flips", "tool <-> text"}};
  for (const ojson& f : m.at("sample_flips"))
    flips.push_back({f.at("variant").get<std::string>() + "/" + f.at("prompt_format").get<std::string>(),
                     json_number(f.at("tasks")), json_number(f.at("flip_share")), json_number(f.at("tool_text_flip_share"))});
  if (flips.size() > 1) print_table(out, "Best choice between samples (force_tool against force_text, sample by sample)", flips);
}

void print_summary(std::ostream& out, const ojson& m) {
  out << "run " << m.at("run").get<std::string>() << ": " << m.at("episodes").get<int64_t>() << " episodes, "
      << m.at("scored").get<int64_t>() << " scored\n";

  std::vector<std::vector<std::string>> choice = {{"condition", "n", "judged", "accuracy", "95% CI", "process",
                                                   "tool sel.", "tool use", "labelled", "F1 (mal.=call)",
                                                   "F1 (mal.=text)", "over-use", "under-use", "halluc."}};
  for (const ojson& c : m.at("conditions")) {
    const ojson& a = c.at("accuracy");
    std::string ci = a.at("lo").is_null() ? "-" : "[" + json_number(a.at("lo")) + ", " + json_number(a.at("hi")) + "]";
    const ojson& p = c.at("process");
    std::string process = p.at("n").get<int64_t>() == 0 ? "-" : json_number(p.at("value")) + " of " + json_number(p.at("n"));
    // n: every episode; judged: those with a correctness, over which accuracy is taken.
    choice.push_back({condition_name(c), json_number(c.at("n")), json_number(a.at("n")), json_number(a.at("value")), ci, process,
                      json_number(c.at("tool_selection_accuracy")), json_number(c.at("tool_use_rate")),
                      json_number(c.at("labelled_tool_rate")), json_number(c.at("decision")["malformed_as_call"].at("f1")),
                      json_number(c.at("decision")["malformed_as_abstention"].at("f1")), json_number(c.at("over_use_rate")),
                      json_number(c.at("under_use_rate")), json_number(c.at("hallucination_rate"))});
  }
  print_table(out, "Accuracy and tool choice (first action against the label)", choice);

  std::vector<std::vector<std::string>> sources = {{"condition", "source", "n", "judged", "accuracy", "tool use", "F1"}};
  for (const ojson& c : m.at("conditions"))
    for (const ojson& s : c.at("by_source"))
      sources.push_back({condition_name(c), s.at("source").get<std::string>(), json_number(s.at("n")), json_number(s.at("judged")),
                         json_number(s.at("accuracy")), json_number(s.at("tool_use_rate")), json_number(s.at("f1"))});
  print_table(out, "By data source (the tasks' source)", sources);

  std::vector<std::vector<std::string>> irrelevance = {{"condition", "n", "call", "abstention", "malformed"}};
  for (const ojson& c : m.at("conditions")) {
    const ojson& i = c.at("irrelevance");
    if (i.at("n").get<int64_t>() == 0) continue;
    irrelevance.push_back({condition_name(c), json_number(i.at("n")), json_number(i.at("call_rate")), json_number(i.at("abstention_rate")),
                           json_number(i.at("malformed_rate"))});
  }
  if (irrelevance.size() > 1) print_table(out, "Irrelevance tasks (first reply: rates)", irrelevance);

  std::vector<std::vector<std::string>> tools = {{"condition", "tool", "precision", "recall", "F1", "support"}};
  for (const ojson& c : m.at("conditions"))
    for (const ojson& t : c.at("per_tool")) {
      // A tool neither labelled nor called in the condition is all dashes.
      if (t.at("support").get<int64_t>() == 0 && t.at("precision").is_null()) continue;
      tools.push_back({condition_name(c), t.at("tool").get<std::string>(), json_number(t.at("precision")), json_number(t.at("recall")),
                       json_number(t.at("f1")), json_number(t.at("support"))});
    }
  print_table(out, "Per tool (first call)", tools);

  std::vector<std::vector<std::string>> efficiency = {{"condition", "calls/ep", "unneeded", "productivity",
                                                       "prompt tok", "gen tok", "KV MiB", "prompt ms", "decode ms",
                                                       "tool ms", "queue ms", "wall ms", "prompt tok/s", "gen tok/s"}};
  for (const ojson& c : m.at("conditions")) {
    const ojson& e = c.at("efficiency");
    const ojson& l = e.at("latency_ms");
    efficiency.push_back({condition_name(c), json_number(e.at("tool_calls_per_episode"), 2), json_number(e.at("unnecessary_tool_calls")),
                          json_number(e.at("tool_productivity")), json_number(e.at("prompt_tokens_per_task"), 1),
                          json_number(e.at("generated_tokens_per_task"), 1), json_number(e.at("kv_mb_per_inference"), 1),
                          json_number(l.at("prompt_eval"), 1), json_number(l.at("decode"), 1), json_number(l.at("tool"), 1), json_number(l.at("queue"), 1),
                          json_number(l.at("wall"), 1), json_number(e.at("throughput").at("prompt_tokens_per_s"), 1),
                          json_number(e.at("throughput").at("generation_tokens_per_s"), 1)});
  }
  print_table(out, "Efficiency (means per episode; tok/s per sequence)", efficiency);
  out << format_variants(m.at("variants"));

  std::vector<std::vector<std::string>> errors = {{"condition", "failed", "classes", "wrong result", "rec@1",
                                                   "rec@2", "rec@3", "loops", "give-ups", "multi-step",
                                                   "fabricated"}};
  for (const ojson& c : m.at("conditions")) {
    const ojson& e = c.at("errors");
    std::string classes;
    for (const auto& [cls, n] : e.at("by_class").items())
      if (n.get<int64_t>() > 0) classes += (classes.empty() ? "" : " ") + cls + ":" + json_number(n);
    const ojson& f = c.at("fabrication");
    errors.push_back({condition_name(c), json_number(e.at("failed_executions")), classes.empty() ? "-" : classes,
                      json_number(e.at("wrong_result")), json_number(e.at("recovery_at_k")["1"]), json_number(e.at("recovery_at_k")["2"]),
                      json_number(e.at("recovery_at_k")["3"]), json_number(e.at("repeated_error_loops")), json_number(e.at("give_ups")),
                      json_number(e.at("multi_step_success")),
                      json_number(f.at("claims")) + "/" + json_number(f.at("episodes_without_execution"))});
  }
  print_table(out, "Errors and recovery", errors);
  print_hallucination_and_samples(out, m);

  std::vector<std::vector<std::string>> regret = {{"arm", "tasks", "free acc", "best acc", "regret", "best: tool",
                                                   "text", "either", "neither", "label agrees", "decided"}};
  for (const ojson& r : m.at("regret")) {
    const ojson& b = r.at("best_choice");
    regret.push_back({r.at("variant").get<std::string>() + "/" + r.at("prompt_format").get<std::string>(),
                      json_number(r.at("tasks")), json_number(r.at("free_accuracy")), json_number(r.at("best_accuracy")), json_number(r.at("regret")),
                      json_number(b.at("tool")), json_number(b.at("text")), json_number(b.at("either")), json_number(b.at("neither")),
                      json_number(r.at("label_agreement")), json_number(r.at("label_decided_tasks"))});
  }
  print_table(out, "Free choice against the empirical best (force_tool / force_text)", regret);

  std::vector<std::vector<std::string>> calibration = {{"arm", "n", "AUROC", "bins (n: mean p_tool -> helped)"}};
  for (const ojson& c : m.at("calibration")) {
    std::string bins;
    for (const ojson& b : c.at("bins"))
      if (b.at("n").get<int64_t>() > 0)
        bins += (bins.empty() ? "" : "  ") + json_number(b.at("n")) + ": " + json_number(b.at("mean_p_tool"), 2) + "->" +
                json_number(b.at("helped_rate"), 2);
    calibration.push_back({c.at("variant").get<std::string>() + "/" + c.at("prompt_format").get<std::string>(),
                           json_number(c.at("n")), json_number(c.at("auroc")), bins.empty() ? "-" : bins});
  }
  print_table(out, "Decision probe calibration (tasks where the tool helped or hurt)", calibration);
  out << format_necessity(m.at("necessity")) << format_boundaries(m.at("boundaries"));
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
