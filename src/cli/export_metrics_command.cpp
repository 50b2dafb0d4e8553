// agentcoder export-metrics RUN [--run NAME] --csv [--episodes] [-o FILE]:
// the run's metrics as CSV (RFC 4180) for spreadsheets and pandas.
//
// Default: one row per condition, the metrics JSON's condition object
// flattened into dotted columns ("decision.malformed_as_call.f1",
// "per_tool.python.recall", "by_category.multi_step.accuracy",
// "confusion.none.call:python"), then the condition's arm-level columns
// ("regret.*", "calibration.n", "calibration.auroc", "necessity.*" without
// its per-task list, e.g. "necessity.cells.necessary_called.value"; the same
// on the arm's three modes), then its variant's memory and engine throughput
// ("memory.weight_bytes", "memory.kv_bytes_per_inference.max", ...; the
// metrics JSON's "variants" row). Columns are the union over conditions in first-seen order;
// a cell is empty where the value is null or absent.
// --episodes: one row per episode instead (ScoredEpisode's fields).
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
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
#include "utils/files.h"

namespace agentcoder::cli {
namespace {

using ojson = nlohmann::ordered_json;

struct ExportArgs {
  AnalysisArgs run;
  bool csv = false;    // the only format so far; required so a later one can be added
  bool episodes = false;
  std::string output;  // -o FILE ("" = stdout)
};

// RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes doubled.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// A JSON scalar as a cell: strings bare, numbers in their shortest exact
// form, null empty.
std::string cell_text(const ojson& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// A table whose columns are added as rows arrive.
struct Table {
  std::vector<std::string> columns;
  std::map<std::string, size_t> index;
  std::vector<std::map<size_t, std::string>> rows;

  void set(std::map<size_t, std::string>& row, const std::string& column, const std::string& value) {
    auto [it, added] = index.emplace(column, columns.size());
    if (added) columns.push_back(column);
    row[it->second] = value;
  }

  void write(std::ostream& out) const {
    // RFC 4180 ends records with CRLF; pandas and spreadsheets read it.
    for (size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << csv_field(columns[i]);
    out << "\r\n";
    for (const auto& row : rows) {
      for (size_t i = 0; i < columns.size(); ++i) {
        auto it = row.find(i);
        out << (i ? "," : "") << (it == row.end() ? "" : csv_field(it->second));
      }
      out << "\r\n";
    }
  }
};

// Flattens `v` into `row` under `prefix`. Arrays of objects are keyed by
// their string members (by_cell -> "by_cell.multi_step/hard.n"); the
// confusion matrix by row and column name.
void flatten(Table& table, std::map<size_t, std::string>& row, const std::string& prefix, const ojson& v) {
  auto join = [&](const std::string& key) { return prefix.empty() ? key : prefix + "." + key; };
  if (v.is_object() && v.contains("rows") && v.contains("cols") && v.contains("counts")) {
    for (size_t r = 0; r < v.at("rows").size(); ++r)
      for (size_t c = 0; c < v.at("cols").size(); ++c)
        table.set(row, join(v.at("rows")[r].get<std::string>() + "." + v.at("cols")[c].get<std::string>()),
                  cell_text(v.at("counts")[r][c]));
    return;
  }
  if (v.is_object()) {
    for (const auto& [key, value] : v.items()) flatten(table, row, join(key), value);
    return;
  }
  if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      const ojson& item = v[i];
      if (!item.is_object()) {
        table.set(row, join(std::to_string(i)), cell_text(item));
        continue;
      }
      std::string id;
      for (const auto& [key, value] : item.items())
        if (value.is_string()) id += (id.empty() ? "" : "/") + value.get<std::string>();
      if (id.empty()) id = std::to_string(i);
      for (const auto& [key, value] : item.items())
        if (!value.is_string()) flatten(table, row, join(id + "." + key), value);
    }
    return;
  }
  table.set(row, prefix, cell_text(v));
}

Table condition_table(const ojson& metrics) {
  Table table;
  for (const ojson& c : metrics.at("conditions")) {
    std::map<size_t, std::string> row;
    table.set(row, "run", metrics.at("run").get<std::string>());
    table.set(row, "condition",
              c.at("variant").get<std::string>() + "/" + c.at("prompt_format").get<std::string>() + "/" +
                  c.at("mode").get<std::string>());
    flatten(table, row, "", c);
    auto same_arm = [&](const ojson& a) {
      return a.at("variant") == c.at("variant") && a.at("prompt_format") == c.at("prompt_format");
    };
    for (const ojson& r : metrics.at("regret"))
      if (same_arm(r))
        for (const auto& [key, value] : r.items())
          if (key != "variant" && key != "prompt_format") flatten(table, row, "regret." + key, value);
    for (const ojson& cal : metrics.at("calibration"))
      if (same_arm(cal)) {
        table.set(row, "calibration.n", cell_text(cal.at("n")));
        table.set(row, "calibration.auroc", cell_text(cal.at("auroc")));
      }
    // Issue 17: the arm's necessity counts and knowing-doing cells (not
    // the per-task list, which is a table of its own).
    for (const ojson& n : metrics.at("necessity"))
      if (same_arm(n))
        for (const auto& [key, value] : n.items())
          if (key != "variant" && key != "prompt_format" && key != "per_task") flatten(table, row, "necessity." + key, value);
    for (const ojson& v : metrics.at("variants"))
      if (v.at("variant") == c.at("variant"))
        for (const auto& [key, value] : v.items())
          if (key != "variant") flatten(table, row, "memory." + key, value);
    table.rows.push_back(std::move(row));
  }
  return table;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ";") + s;
  return out;
}

std::string optional_text(const std::optional<bool>& v) { return v ? (*v ? "true" : "false") : ""; }

Table episode_table(const std::vector<evaluation::ScoredEpisode>& episodes, const std::string& run_name) {
  Table table;
  for (const evaluation::ScoredEpisode& e : episodes) {
    int64_t executed = 0, failed = 0, not_offered = 0;
    for (const evaluation::CallView& c : e.calls) {
      executed += c.executed;
      failed += !c.ok;
      not_offered += !c.offered;
    }
    std::map<size_t, std::string> row;
    auto set = [&](const std::string& column, const std::string& value) { table.set(row, column, value); };
    auto number = [](double v) { return ojson(v).dump(); };
    set("run", run_name);
    set("key_id", e.key_id);
    set("task_id", e.task_id);
    set("variant", e.variant);
    set("prompt_format", e.prompt_format);
    set("mode", to_string(e.mode));
    set("category", e.category);
    set("difficulty", e.difficulty);
    set("check", e.check);
    set("source", e.source);
    set("optimal_tool", e.optimal_tool);
    set("alternative_tools", join_list(e.alternative_tools));
    set("offered_tools", join_list(e.offered_tools));
    set("stop_reason", to_string(e.stop_reason));
    set("first_decision", to_string(e.first_decision));
    set("first_tool", e.first_tool);
    set("p_tool", e.p_tool ? number(*e.p_tool) : "");
    set("steps", std::to_string(e.steps));
    set("calls", std::to_string(e.calls.size()));
    set("executed_calls", std::to_string(executed));
    set("failed_calls", std::to_string(failed));
    set("calls_not_offered", std::to_string(not_offered));
    std::string failures;
    for (const evaluation::CallView& c : e.calls)
      if (!c.ok) failures += (failures.empty() ? "" : ";") + std::string(c.failure ? to_string(*c.failure) : "");
    set("failures", failures);
    set("prompt_tokens", std::to_string(e.prompt_tokens));
    set("generated_tokens", std::to_string(e.generated_tokens));
    set("prompt_eval_ms", number(e.prompt_eval_ms));
    set("decode_ms", number(e.decode_ms));
    set("tool_ms", number(e.tool_ms));
    set("queue_ms", number(e.queue_ms));
    set("wall_ms", number(e.wall_ms));
    set("kv_bytes", std::to_string(e.kv_bytes));
    set("scored", e.scored ? "true" : "false");
    set("correct", e.scored ? optional_text(e.correct) : "");
    set("score", e.scored ? number(e.score) : "");
    set("process_followed", optional_text(e.process_followed));
    set("fabrication_claim", e.scored ? (e.fabrication_claim ? "true" : "false") : "");
    set("fabrication_false", e.scored ? optional_text(e.fabrication_false) : "");
    table.rows.push_back(std::move(row));
  }
  return table;
}

void run_export(const ExportArgs& args) {
  if (!args.csv) throw InputError("export-metrics: pass --csv (the only format)");
  ScoredRun scored = load_scored_run(args.run);
  Table table = args.episodes
                    ? episode_table(scored.episodes, scored.run.record.name)
                    : condition_table(evaluation::compute_metrics(scored.episodes, metrics_options(args.run, scored)));
  if (args.output.empty()) {
    table.write(std::cout);
    return;
  }
  write_file_atomically(args.output, [&](std::ostream& out) { table.write(out); });
  std::fprintf(stderr, "%zu rows, %zu columns -> %s\n", table.rows.size(), table.columns.size(),
               args.output.c_str());
}

CommandRegistrar reg("export-metrics", [](CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand("export-metrics", "Write a run's metrics as CSV (one row per condition)");
  add_analysis_options(cmd, args->run, "Bootstrap resamples for the accuracy CI columns (0: none)");
  cmd->add_flag("--csv", args->csv, "CSV (RFC 4180)")->required();
  cmd->add_flag("--episodes", args->episodes, "One row per episode instead of per condition");
  cmd->add_option("-o,--output", args->output, "Output file (default: stdout)");
  cmd->callback([args] { run_export(*args); });
});

}  // namespace
}  // namespace agentcoder::cli
