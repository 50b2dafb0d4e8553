// agentcoder compare RUN [RUN_B] [--run NAME] [--run-b NAME]
//                    [--by variant|prompt_format|mode|source] [--pair A B]
//                    [--json] [--bootstrap N] [--seed S]:
// tables of the run's conditions with bootstrap CIs, rows differing in one
// dimension; with --pair, a paired comparison of two selections (accuracy
// difference with its paired bootstrap CI, McNemar on shared tasks, the
// decision-flip matrix, overall and per category). With RUN_B, the two runs
// side by side: the tables over both, and RUN_A's episodes paired with
// RUN_B's (--pair A B then selects within RUN_A and RUN_B). Names are
// "variant/prompt_format/mode"; parts may be left out or abbreviated to a
// unique substring (evaluation/compare.h). Reads only.
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
#include "evaluation/compare.h"
#include "evaluation/scored_episode.h"
#include "store/results_path.h"
#include "store/results_store.h"
#include "utils/errors.h"

namespace agentcoder::cli {
namespace {

struct CompareArgs {
  AnalysisArgs run;
  std::string results_b, run_b;  // RUN_B, --run-b
  std::string by = "variant";
  std::vector<std::string> pair;  // --pair A B
  bool json = false;
};

using ojson = nlohmann::ordered_json;

std::string format_value(const ojson& v, int decimals = 3) {
  if (v.is_null()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v.get<double>());
  return buf;
}

std::string pad(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

// Lines end without the last column's padding.
std::string rtrim(const std::string& s) {
  std::string out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

// p_tool, with 3 significant digits, spans orders of magnitude (1e-13 in
// no_tools, 0.1 in free) and needs the wider column.
size_t column_width(const ojson& metric) { return metric == "p_tool" ? 30 : 24; }

std::string format_conditions(const ojson& tables) {
  std::ostringstream out;
  out << "run " << tables.at("run").get<std::string>() << ": conditions by " << tables.at("by").get<std::string>()
      << " (95% bootstrap CI over tasks)\n";
  for (const ojson& table : tables.at("tables")) {
    out << "\n";
    std::string fixed;
    for (const auto& [k, v] : table.at("fixed").items())
      fixed += (fixed.empty() ? "" : "  ") + k + "=" + v.get<std::string>();
    out << fixed << "\n";
    size_t width = 9;
    for (const ojson& row : table.at("rows")) width = std::max(width, row.at("condition").get<std::string>().size() + 2);
    out << pad("condition", width) << pad("n", 6) << pad("judged", 8);
    for (const ojson& m : tables.at("metrics")) out << pad(m.get<std::string>(), column_width(m));
    out << pad("prompt tok/s", 14) << "gen tok/s\n";
    for (const ojson& row : table.at("rows")) {
      out << pad(row.at("condition").get<std::string>(), width) << pad(std::to_string(row.at("n").get<int64_t>()), 6)
          << pad(std::to_string(row.at("judged").get<int64_t>()), 8);
      for (const ojson& m : tables.at("metrics")) {
        const ojson& v = row[m.get<std::string>()];
        auto text = [&](const ojson& x) { return m == "p_tool" ? json_significant(x) : format_value(x); };
        std::string cell = text(v.at("value"));
        if (!v.at("lo").is_null()) cell += " [" + text(v.at("lo")) + "," + text(v.at("hi")) + "]";
        out << pad(cell, column_width(m));
      }
      const ojson& t = row.at("throughput");
      out << pad(format_value(t.at("prompt_tokens_per_s"), 1), 14) << format_value(t.at("generation_tokens_per_s"), 1)
          << "\n";
    }
  }
  // Abstain tasks only, so only where a row has some.
  std::string irrelevance;
  for (const ojson& table : tables.at("tables"))
    for (const ojson& row : table.at("rows")) {
      const ojson& r = row.at("irrelevance");
      if (r.at("n").get<int64_t>() == 0) continue;
      irrelevance += pad(row.at("condition").get<std::string>(), 40) + pad(std::to_string(r.at("n").get<int64_t>()), 6) +
                     pad(format_value(r.at("call_rate")), 11) + pad(format_value(r.at("abstention_rate")), 17) +
                     format_value(r.at("malformed_rate")) + "\n";
    }
  if (!irrelevance.empty())
    out << "\nirrelevance (abstain tasks: first reply a call, an abstention or a malformed attempt)\n"
        << pad("condition", 40) << pad("n", 6) << pad("call rate", 11) << pad("abstention rate", 17)
        << "malformed rate\n"
        << irrelevance;
  out << format_variants(tables.at("variants"));
  out << format_necessity(tables.at("necessity")) << format_boundaries(tables.at("boundaries"));
  return rtrim(out.str());
}

std::string cell_text(const ojson& cell) {
  return std::to_string(cell.at("n").get<int64_t>()) + "  " + std::to_string(cell.at("better").get<int64_t>()) + "/" +
         std::to_string(cell.at("worse").get<int64_t>()) + "/" + std::to_string(cell.at("same").get<int64_t>());
}

std::string difference_text(const ojson& acc) {
  const ojson& d = acc.at("difference");
  std::string s = d.at("value").is_null() ? std::string("-") : format_value(d.at("value"));
  if (!d.at("value").is_null() && d.at("value").get<double>() > 0) s = "+" + s;
  if (!d.at("lo").is_null()) s += " [" + format_value(d.at("lo")) + ", " + format_value(d.at("hi")) + "]";
  return s;
}

std::string format_pair(const ojson& pair) {
  std::ostringstream out;
  out << "A = " << pair.at("a").get<std::string>() << "   B = " << pair.at("b").get<std::string>() << "\n";
  std::string matched;
  for (const ojson& m : pair.at("matched_by")) matched += (matched.empty() ? "" : ", ") + m.get<std::string>();
  out << "paired on " << matched << ": " << pair.at("pairs").get<int64_t>() << " pairs (unmatched: A "
      << pair.at("unmatched_a").get<int64_t>() << ", B " << pair.at("unmatched_b").get<int64_t>() << ")\n";
  for (const char* side : {"a", "b"}) {
    std::string reasons;
    for (const auto& [reason, n] : pair.at("unmatched_by_reason").at(side).items())
      if (n.get<int64_t>() > 0) reasons += (reasons.empty() ? "" : ", ") + reason + " " + std::to_string(n.get<int64_t>());
    if (!reasons.empty()) out << "  unmatched in " << (side[0] == 'a' ? "A" : "B") << ": " << reasons << "\n";
  }
  const ojson& acc = pair.at("accuracy");
  out << "accuracy on " << acc.at("n").get<int64_t>() << " pairs with a correctness (" << acc.at("tasks").get<int64_t>()
      << " tasks): A " << format_value(acc.at("a")) << ", B " << format_value(acc.at("b")) << ", B - A "
      << difference_text(acc) << " (95% paired bootstrap over tasks, " << pair.at("bootstrap").at("resamples").get<int>()
      << " resamples, seed " << pair.at("bootstrap").at("seed").get<uint64_t>() << ")\n";
  const ojson& m = pair.at("mcnemar");
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "McNemar: b (only A correct) = %lld, c (only B correct) = %lld, %s statistic %.3f, p = %.4g\n",
                static_cast<long long>(m.at("b").get<int64_t>()), static_cast<long long>(m.at("c").get<int64_t>()),
                m.at("method").get<std::string>().c_str(), m.at("statistic").get<double>(), m.at("p").get<double>());
  out << buf;
  out << "\ndecision flips (rows: first action in A, columns: in B; cell: n  better/worse/same)\n";
  out << pad("", 12);
  for (const ojson& c : pair.at("flips")["cols"]) out << pad(c.get<std::string>(), 20);
  out << "\n";
  for (size_t r = 0; r < pair.at("flips")["rows"].size(); ++r) {
    out << pad(pair.at("flips")["rows"][r].get<std::string>(), 12);
    for (const ojson& cell : pair.at("flips")["cells"][r]) out << pad(cell_text(cell), 20);
    out << "\n";
  }
  for (const char* flip : {"call_to_text", "text_to_call"}) {
    const ojson& f = pair[flip];
    out << flip << ": " << f.at("n").get<int64_t>() << " (better " << f.at("better").get<int64_t>() << ", worse "
        << f.at("worse").get<int64_t>() << ", same " << f.at("same").get<int64_t>() << ")\n";
  }
  out << "\nby category (flips: n  better/worse/same)\n"
      << pad("category", 20) << pad("pairs", 7) << pad("acc A", 7) << pad("acc B", 7) << pad("B - A [95% CI]", 26)
      << pad("McNemar p", 11) << pad("call->text", 16) << "text->call\n";
  for (const ojson& c : pair.at("by_category")) {
    char p[32];
    std::snprintf(p, sizeof p, "%.4g", c.at("mcnemar").at("p").get<double>());
    out << pad(c.at("category").get<std::string>(), 20) << pad(std::to_string(c.at("pairs").get<int64_t>()), 7)
        << pad(format_value(c.at("accuracy").at("a")), 7) << pad(format_value(c.at("accuracy").at("b")), 7)
        << pad(difference_text(c.at("accuracy")), 26) << pad(p, 11) << pad(cell_text(c.at("call_to_text")), 16)
        << cell_text(c.at("text_to_call")) << "\n";
  }
  return rtrim(out.str());
}

std::string format_runs(const ojson& runs) {
  std::ostringstream out;
  for (const char* side : {"a", "b"}) {
    const ojson& r = runs.at("runs").at(side);
    out << "run " << (side[0] == 'a' ? "A" : "B") << ": " << r.at("name").get<std::string>() << ", "
        << r.at("episodes").get<int64_t>() << " episodes; variants:";
    for (const ojson& v : r.at("variants")) {
      out << " " << v.at("variant").get<std::string>();
      if (v.at("shown_as") != v.at("variant")) out << " (shown as " << v.at("shown_as").get<std::string>() << ")";
    }
    out << "\n";
  }
  out << "\n" << format_conditions(runs.at("tables")) << "\n" << format_pair(runs.at("pair"));
  return rtrim(out.str());
}

void run_compare_runs(const CompareArgs& args) {
  AnalysisArgs b_args = args.run;
  b_args.results = args.results_b;
  b_args.run = args.run_b;
  auto [run_a, episodes_a] = load_scored_run(args.run);
  auto [run_b, episodes_b] = load_scored_run(b_args);
  if (episodes_a.empty()) throw InputError(args.run.results + ": run '" + run_a.record.name + "' has no episodes");
  if (episodes_b.empty()) throw InputError(args.results_b + ": run '" + run_b.record.name + "' has no episodes");
  evaluation::RunEpisodes a{run_a.record.name, std::move(episodes_a), store::variant_resources(run_a)};
  evaluation::RunEpisodes b{run_b.record.name, std::move(episodes_b), store::variant_resources(run_b)};
  evaluation::CompareRunsOptions options;
  options.by = args.by;
  options.bootstrap_samples = args.run.bootstrap;
  options.seed = args.run.seed;
  options.necessity_threshold = args.run.necessity_threshold;
  if (!args.pair.empty()) {
    options.select_a = args.pair[0];
    options.select_b = args.pair[1];
  }
  nlohmann::ordered_json runs = evaluation::compare_runs(a, b, options);
  if (args.json)
    std::cout << runs.dump(2) << std::endl;
  else
    std::cout << format_runs(runs);
}

void run_compare(const CompareArgs& args) {
  if (!args.results_b.empty()) return run_compare_runs(args);
  if (!args.run_b.empty()) throw InputError("--run-b: only with a second results file (RUN_B)");
  auto [run, episodes] = load_scored_run(args.run);
  if (episodes.empty()) throw InputError(args.run.results + ": run '" + run.record.name + "' has no episodes");

  if (!args.pair.empty()) {
    evaluation::PairOptions pair_options{args.run.bootstrap, args.run.seed};
    nlohmann::ordered_json pair = evaluation::compare_pair(episodes, args.pair[0], args.pair[1], pair_options);
    if (args.json)
      std::cout << pair.dump(2) << std::endl;
    else
      std::cout << format_pair(pair);
    return;
  }
  evaluation::CompareOptions options;
  options.run_name = run.record.name;
  options.by = args.by;
  options.bootstrap_samples = args.run.bootstrap;
  options.seed = args.run.seed;
  options.necessity_threshold = args.run.necessity_threshold;
  options.variant_resources = store::variant_resources(run);
  nlohmann::ordered_json tables = evaluation::compare_conditions(episodes, options);
  if (args.json)
    std::cout << tables.dump(2) << std::endl;
  else
    std::cout << format_conditions(tables);
}

CommandRegistrar reg("compare", [](CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "Compare a run's conditions, or two runs: tables with bootstrap CIs, --pair A B (paired CI, McNemar, "
      "decision flips)");
  add_analysis_options(cmd, args->run);
  cmd->add_option("RUN_B", args->results_b,
                  "A second results file or directory: pair RUN's episodes with its episodes (same tasks, "
                  "prompt format, mode and seed)");
  cmd->add_option("--run-b", args->run_b, "Run name in RUN_B, when that file holds several");
  cmd->add_option("--by", args->by,
                  "The dimension rows differ in: variant, prompt_format, mode, or source (the tasks' data source)")
      ->capture_default_str();
  cmd->add_option("--pair", args->pair, "Two selections to pair, as variant/prompt_format/mode (parts optional); with RUN_B, A in RUN and B in "
                  "RUN_B")
      ->expected(2);
  cmd->add_flag("--json", args->json, "Print JSON instead of tables");
  cmd->callback([args] { run_compare(*args); });
});

}  // namespace
}  // namespace agentcoder::cli
