// agentcoder compare RUN [--run NAME] [--by variant|prompt_format|mode]
//                        [--pair A B] [--json] [--bootstrap N] [--seed S]:
// tables of the run's conditions with bootstrap CIs, rows differing in one
// dimension; with --pair, a paired comparison of two selections (McNemar on
// shared tasks and the decision-flip matrix). Names are
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
    for (const ojson& m : tables.at("metrics")) out << pad(m.get<std::string>(), 24);
    out << pad("prompt tok/s", 14) << "gen tok/s\n";
    for (const ojson& row : table.at("rows")) {
      out << pad(row.at("condition").get<std::string>(), width) << pad(std::to_string(row.at("n").get<int64_t>()), 6)
          << pad(std::to_string(row.at("judged").get<int64_t>()), 8);
      for (const ojson& m : tables.at("metrics")) {
        const ojson& v = row[m.get<std::string>()];
        std::string cell = format_value(v.at("value"));
        if (!v.at("lo").is_null()) cell += " [" + format_value(v.at("lo")) + "," + format_value(v.at("hi")) + "]";
        out << pad(cell, 24);
      }
      const ojson& t = row.at("throughput");
      out << pad(format_value(t.at("prompt_tokens_per_s"), 1), 14) << format_value(t.at("generation_tokens_per_s"), 1)
          << "\n";
    }
  }
  out << format_variants(tables.at("variants"));
  return rtrim(out.str());
}

std::string format_pair(const ojson& pair) {
  std::ostringstream out;
  out << "A = " << pair.at("a").get<std::string>() << "   B = " << pair.at("b").get<std::string>() << "\n";
  std::string matched;
  for (const ojson& m : pair.at("matched_by")) matched += (matched.empty() ? "" : ", ") + m.get<std::string>();
  out << "paired on " << matched << ": " << pair.at("pairs").get<int64_t>() << " pairs (unmatched: A "
      << pair.at("unmatched_a").get<int64_t>() << ", B " << pair.at("unmatched_b").get<int64_t>() << ")\n";
  const ojson& acc = pair.at("accuracy");
  out << "accuracy on " << acc.at("n").get<int64_t>() << " pairs with a correctness: A " << format_value(acc.at("a"))
      << ", B " << format_value(acc.at("b")) << "\n";
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
    for (const ojson& cell : pair.at("flips")["cells"][r]) {
      std::string s = std::to_string(cell.at("n").get<int64_t>()) + "  " + std::to_string(cell.at("better").get<int64_t>()) +
                      "/" + std::to_string(cell.at("worse").get<int64_t>()) + "/" +
                      std::to_string(cell.at("same").get<int64_t>());
      out << pad(s, 20);
    }
    out << "\n";
  }
  for (const char* flip : {"call_to_text", "text_to_call"}) {
    const ojson& f = pair[flip];
    out << flip << ": " << f.at("n").get<int64_t>() << " (better " << f.at("better").get<int64_t>() << ", worse "
        << f.at("worse").get<int64_t>() << ")\n";
  }
  return rtrim(out.str());
}

void run_compare(const CompareArgs& args) {
  auto [run, episodes] = load_scored_run(args.run);
  if (episodes.empty()) throw InputError(args.run.results + ": run '" + run.record.name + "' has no episodes");

  if (!args.pair.empty()) {
    nlohmann::ordered_json pair = evaluation::compare_pair(episodes, args.pair[0], args.pair[1]);
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
      "compare", "Compare a run's conditions: tables with bootstrap CIs, or --pair A B (McNemar, decision flips)");
  add_analysis_options(cmd, args->run);
  cmd->add_option("--by", args->by,
                  "The dimension rows differ in: variant, prompt_format, mode, or source (the tasks' data source)")
      ->capture_default_str();
  cmd->add_option("--pair", args->pair, "Two selections to pair, as variant/prompt_format/mode (parts optional)")
      ->expected(2);
  cmd->add_flag("--json", args->json, "Print JSON instead of tables");
  cmd->callback([args] { run_compare(*args); });
});

}  // namespace
}  // namespace agentcoder::cli
