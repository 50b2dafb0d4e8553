// `agentcoder metrics`, `compare` and `export-metrics` through the built
// binary on a small results file: tables, JSON, CSV (RFC 4180 quoting, one
// row per condition or per episode) and one-line exit-2 errors.
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/results_store.h"
#include "support/cli_run.h"
#include "support/read_file.h"
#include "support/temp_dir.h"
#include "utils/sha256.h"

using namespace agentcoder;
using agentcoder::testing::count_lines;
using agentcoder::testing::run_cli;
using agentcoder::testing::CliRun;
using agentcoder::testing::read_file;
using agentcoder::testing::TempDir;

namespace {

CliRun cli(const std::string& args) { return run_cli(AGENTCODER_BIN, args); }

// The cells of the first line starting with `first_cell` after the line
// holding `title` in a text table; empty when there is none.
std::vector<std::string> row_cells(const std::string& text, const std::string& title, const std::string& first_cell) {
  size_t at = text.find(title);
  if (at == std::string::npos) return {};
  at = text.find("\n" + first_cell + " ", at);
  if (at == std::string::npos) return {};
  std::istringstream line(text.substr(at + 1, text.find('\n', at + 1) - at - 1));
  std::vector<std::string> cells;
  for (std::string cell; line >> cell;) cells.push_back(cell);
  return cells;
}

store::EpisodeRecord record(const std::string& variant, const std::string& task, const std::string& mode,
                            bool call) {
  store::EpisodeRecord r;
  r.key.task_id = task;
  r.key.task_sha256 = sha256_hex("prompt of " + task);
  r.key.model_sha256 = sha256_hex(variant);
  r.key.prompt_format = "direct";
  r.key.mode = mode;
  r.key.tools = {"python"};
  r.variant = variant;
  r.category = "execution_required";
  r.difficulty = "easy";
  r.optimal_tool = "python";
  r.stop_reason = "final_answer";
  r.first_decision = call ? "tool_call" : "text";
  r.first_tool = call ? "python" : "";
  store::StepRecord step;
  if (call) step.tool_calls.push_back({"c1", "python", "{}", true, true, "", "42", nullptr, 5});
  // Throughput: 100 prompt tokens in 50 ms -> 2000 tok/s; 10 tokens after
  // the first in 100 ms -> 100 tok/s.
  step.prompt_tokens = r.prompt_tokens = 100;
  step.generated_tokens = r.generated_tokens = 11;
  step.prompt_eval_ms = r.prompt_eval_ms = 50;
  step.decode_ms = r.decode_ms = 100;
  r.steps = {step};
  r.extra = {{"kv_bytes", 3 * 1024 * 1024}};
  return r;
}

// Two variants x two tasks ("t1" and "t,2", whose comma CSV must quote) x
// three modes. Correct: base free t1; force_tool everywhere. So base/free
// is 1/2 right, q4/free 0/2, and paired base against q4 only base's free
// t1 is discordant (b = 1, c = 0).
class MetricsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    file = dir.path("results.sqlite");
    store::ResultsStore results(file);
    store::RunSession run = results.begin_run({"exp", "seed = 1\n", nullptr, nlohmann::json::object()});
    std::vector<store::ScoreRecord> scores;
    for (const std::string variant : {"base", "q4"})
      for (const std::string task : {"t1", "t,2"})
        for (const std::string mode : {"free", "force_tool", "force_text"}) {
          store::EpisodeRecord r = record(variant, task, mode, mode != "force_text");
          results.put_episode(run, r);
          store::ScoreRecord s;
          s.key_id = r.key.id();
          s.check = "exact";
          s.correct = mode == "force_tool" || (variant == "base" && task == "t1" && mode == "free");
          s.score = *s.correct ? 1 : 0;
          scores.push_back(s);
        }
    results.put_scores(run.run_id, scores);
    // What base used, as a run stores it; q4 has no figures (not measured).
    store::VariantResources base;
    base.variant = "base";
    base.session_id = run.session_id;
    base.weight_bytes = 512ull << 20;
    base.peak_rss_bytes = 768ull << 20;
    base.note = "measured in session 1";
    base.episodes = 6;
    base.generated_tokens = 66;
    base.wall_ms = 2000;  // 33 tok/s
    results.put_variant_resources(run, base);
  }

  TempDir dir;
  std::string file;
};

}  // namespace

TEST_F(MetricsCli, MetricsTablesAndJson) {
  CliRun tables = cli("metrics " + file + " --bootstrap 50");
  ASSERT_EQ(tables.code, 0) << tables.out;
  EXPECT_NE(tables.out.find("12 episodes, 12 scored"), std::string::npos) << tables.out;
  EXPECT_NE(tables.out.find("base/direct/force_text"), std::string::npos);
  EXPECT_NE(tables.out.find("Errors and recovery"), std::string::npos);
  // No task snapshot in this file: every episode's source is unknown.
  EXPECT_NE(tables.out.find("By data source"), std::string::npos) << tables.out;
  EXPECT_NE(tables.out.find("base/direct/free        unknown  2       2     0.500"), std::string::npos) << tables.out;

  CliRun json = cli("metrics " + file + " --json --bootstrap 50 --seed 9 2>/dev/null");
  ASSERT_EQ(json.code, 0) << json.out;
  nlohmann::json m = nlohmann::json::parse(json.out);
  EXPECT_EQ(m["run"], "exp");
  EXPECT_EQ(m["episodes"], 12);
  ASSERT_EQ(m["conditions"].size(), 6u);
  EXPECT_EQ(m["conditions"][0]["mode"], "free");
  EXPECT_DOUBLE_EQ(m["conditions"][0]["accuracy"]["value"].get<double>(), 0.5);  // base free
  EXPECT_DOUBLE_EQ(m["conditions"][3]["accuracy"]["value"].get<double>(), 0.0);  // q4 free
  // Regret, base: best is force_tool on both tasks (1), free 1/2 -> 0.5.
  EXPECT_DOUBLE_EQ(m["regret"][0]["regret"].get<double>(), 0.5);
  EXPECT_EQ(cli("metrics " + file + " --json --bootstrap 50 --seed 9 2>/dev/null").out, json.out);
}

TEST_F(MetricsCli, NecessityCellsInMetricsAndCompareAndTheThresholdFlag) {
  // force_text is wrong on both tasks, so both need the tool; both variants'
  // free episodes call: every free episode is "necessary, called".
  CliRun json = cli("metrics " + file + " --json --bootstrap 0 --necessity-threshold 0.5 2>/dev/null");
  ASSERT_EQ(json.code, 0) << json.out;
  nlohmann::json m = nlohmann::json::parse(json.out);
  ASSERT_EQ(m["necessity"].size(), 2u);
  EXPECT_EQ(m["necessity"][0]["threshold"], 0.5);
  EXPECT_EQ(m["necessity"][0]["necessary_tasks"], 2);
  EXPECT_EQ(m["necessity"][0]["cells"]["necessary_called"]["n"], 2);
  EXPECT_EQ(m["necessity"][0]["benefit_tasks"], 2);  // force_tool right on both
  EXPECT_TRUE(m["boundaries"].empty()) << "no task snapshot, so no family knobs";

  CliRun tables = cli("metrics " + file + " --bootstrap 0");
  ASSERT_EQ(tables.code, 0) << tables.out;
  EXPECT_EQ(row_cells(tables.out, "Necessity for this model", "base/direct"),
            (std::vector<std::string>{"base/direct", "2", "2", "2/2", "2", "1.000", "0.000", "0.000", "0.000", "0.000",
                                      "1.000/2"}))
      << tables.out;
  CliRun compare = cli("compare " + file + " --bootstrap 0");
  ASSERT_EQ(compare.code, 0) << compare.out;
  EXPECT_EQ(row_cells(compare.out, "Necessity for this model", "q4/direct").at(5), "1.000") << compare.out;

  for (const char* bad : {"0", "1.5", "-1"}) {
    CliRun refused = cli(std::string("metrics ") + file + " --necessity-threshold " + bad);
    EXPECT_EQ(refused.code, 2) << bad;
    EXPECT_EQ(count_lines(refused.out), 1) << refused.out;
    EXPECT_NE(refused.out.find("--necessity-threshold"), std::string::npos) << refused.out;
  }
}

TEST_F(MetricsCli, ComparePairAndTables) {
  CliRun pair = cli("compare " + file + " --pair base q4 --json");
  ASSERT_EQ(pair.code, 0) << pair.out;
  nlohmann::json p = nlohmann::json::parse(pair.out);
  EXPECT_EQ(p["pairs"], 6);
  EXPECT_EQ(p["mcnemar"]["b"], 1);
  EXPECT_EQ(p["mcnemar"]["c"], 0);
  EXPECT_DOUBLE_EQ(p["mcnemar"]["p"].get<double>(), 1.0);  // 2 * (1/2)^1, capped
  CliRun text = cli("compare " + file + " --pair base q4");
  EXPECT_NE(text.out.find("decision flips"), std::string::npos) << text.out;

  CliRun tables = cli("compare " + file + " --by mode --bootstrap 50");
  ASSERT_EQ(tables.code, 0) << tables.out;
  EXPECT_NE(tables.out.find("variant=q4"), std::string::npos) << tables.out;

  CliRun by_source = cli("compare " + file + " --by source --bootstrap 0");
  ASSERT_EQ(by_source.code, 0) << by_source.out;
  EXPECT_NE(by_source.out.find("base/direct/free source=unknown"), std::string::npos) << by_source.out;

  CliRun bad = cli("compare " + file + " --pair zzz base");
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(count_lines(bad.out), 1) << bad.out;
  EXPECT_NE(bad.out.find("zzz"), std::string::npos);
}

// A second results file with one variant, "base" again, on the same two
// tasks plus "t3", every free and force_tool episode right. `content_of_t1`
// changes task t1's content hash (another task under the same id).
std::string write_second_run(const TempDir& dir, const std::string& name, const std::string& content_of_t1 = "") {
  std::string file = dir.path(name + ".sqlite");
  store::ResultsStore results(file);
  store::RunSession run = results.begin_run({name, "seed = 1\n", nullptr, nlohmann::json::object()});
  std::vector<store::ScoreRecord> scores;
  for (const std::string task : {"t1", "t,2", "t3"})
    for (const std::string mode : {"free", "force_tool", "force_text"}) {
      store::EpisodeRecord r = record("base", task, mode, mode != "force_text");
      if (task == "t1" && !content_of_t1.empty()) r.key.task_sha256 = sha256_hex(content_of_t1);
      results.put_episode(run, r);
      store::ScoreRecord s;
      s.key_id = r.key.id();
      s.check = "exact";
      s.correct = mode != "force_text";
      s.score = *s.correct ? 1 : 0;
      scores.push_back(s);
    }
  results.put_scores(run.run_id, scores);
  return file;
}

// compare RUN_A RUN_B: exp's base against study's base. Paired on task,
// format, mode and seed: t1 and t,2 in three modes = 6 pairs; study's t3
// (3 episodes) has no partner. Only B right: free t,2 (c = 1); b = 0.
TEST_F(MetricsCli, CompareTwoRunsPairsAcrossFiles) {
  std::string study = write_second_run(dir, "study");
  CliRun two_variants = cli("compare " + file + " " + study);
  EXPECT_EQ(two_variants.code, 2) << two_variants.out;
  EXPECT_EQ(count_lines(two_variants.out), 1) << two_variants.out;
  EXPECT_NE(two_variants.out.find("run 'exp' has 2 variants (base, q4)"), std::string::npos) << two_variants.out;

  CliRun json = cli("compare " + file + " " + study + " --pair base base --json --bootstrap 100");
  ASSERT_EQ(json.code, 0) << json.out;
  nlohmann::json r = nlohmann::json::parse(json.out);
  const nlohmann::json& p = r["pair"];
  EXPECT_EQ(p["a"], "base@exp/*/*");
  EXPECT_EQ(p["b"], "base@study/*/*");
  EXPECT_EQ(p["pairs"], 6);
  EXPECT_EQ(p["unmatched_b"], 3);
  EXPECT_EQ(p["unmatched_by_reason"]["b"]["task_not_in_other"], 3);
  EXPECT_EQ(p["mcnemar"]["b"], 0);
  EXPECT_EQ(p["mcnemar"]["c"], 1);
  // Accuracy over the 6 pairs: A right on free t1 and force_tool t1, t,2
  // (3/6), B on free and force_tool of both (4/6): +1/6.
  EXPECT_DOUBLE_EQ(p["accuracy"]["difference"]["value"].get<double>(), 1.0 / 6);
  EXPECT_EQ(p["bootstrap"]["resamples"], 100);
  EXPECT_EQ(r["runs"]["b"]["variants"][0]["shown_as"], "base@study");
  // The tables hold both runs' variants.
  std::string tables = r["tables"].dump();
  for (const char* condition : {"base@exp/direct/free", "q4/direct/free", "base@study/direct/free"})
    EXPECT_NE(tables.find(condition), std::string::npos) << condition;

  CliRun text = cli("compare " + file + " " + study + " --pair base base --bootstrap 100");
  ASSERT_EQ(text.code, 0) << text.out;
  for (const char* line : {"run A: exp, 12 episodes; variants: base (shown as base@exp) q4",
                           "unmatched in B: task_not_in_other 3", "B - A +0.167 [", "100 resamples",
                           "by category", "call_to_text: 0"})
    EXPECT_NE(text.out.find(line), std::string::npos) << line << "\n" << text.out;

  // Another task under the same id: refused in one line.
  std::string changed = write_second_run(dir, "changed", "another prompt");
  CliRun refused = cli("compare " + file + " " + changed + " --pair base base");
  EXPECT_EQ(refused.code, 2) << refused.out;
  EXPECT_EQ(count_lines(refused.out), 1) << refused.out;
  EXPECT_NE(refused.out.find("task 't1' differs in content between run 'exp'"), std::string::npos) << refused.out;

  CliRun run_b_alone = cli("compare " + file + " --run-b study");
  EXPECT_EQ(run_b_alone.code, 2) << run_b_alone.out;
}

TEST_F(MetricsCli, ExportCsvPerConditionAndPerEpisode) {
  CliRun csv = cli("export-metrics " + file + " --csv --bootstrap 0");
  ASSERT_EQ(csv.code, 0) << csv.out;
  // Header and six conditions, CRLF line ends.
  EXPECT_EQ(count_lines(csv.out), 7) << csv.out;
  EXPECT_NE(csv.out.find("\r\n"), std::string::npos);
  std::string header = csv.out.substr(0, csv.out.find("\r\n"));
  EXPECT_EQ(header.rfind("run,condition,variant,prompt_format,mode,n,accuracy.value,", 0), 0u) << header;
  EXPECT_NE(header.find(",decision.malformed_as_call.f1,"), std::string::npos);
  EXPECT_NE(header.find(",per_tool.python.recall,"), std::string::npos);
  EXPECT_NE(header.find(",confusion.python.call:python,"), std::string::npos);
  EXPECT_NE(header.find(",regret.regret,"), std::string::npos);
  EXPECT_NE(header.find(",necessity.cells.necessary_called.value,"), std::string::npos) << header;
  EXPECT_EQ(header.find("necessity.per_task"), std::string::npos) << header;
  EXPECT_NE(header.find(",efficiency.throughput.generation_tokens_per_s,"), std::string::npos) << header;
  // The variant's memory closes each row: base's stored figures (GPU empty:
  // null), KV 3 MiB on each of its 6 episodes, 66 tokens in 2 s.
  EXPECT_TRUE(header.ends_with(",memory.episodes,memory.weight_bytes,memory.peak_rss_bytes,memory.gpu_bytes,"
                               "memory.kv_bytes_per_inference.mean,memory.kv_bytes_per_inference.max,"
                               "memory.kv_bytes_per_inference.n,memory.engine_generation_tokens_per_s,memory.note"))
      << header;
  size_t base_row = csv.out.find("\r\nexp,base/direct/free,");
  ASSERT_NE(base_row, std::string::npos) << csv.out;
  std::string row = csv.out.substr(base_row + 2, csv.out.find("\r\n", base_row + 2) - base_row - 2);
  EXPECT_TRUE(row.ends_with(",6,536870912,805306368,,3145728.0,3145728,6,33.0,measured in session 1")) << row;
  // base/direct/free: 2 episodes (t1, t,2), accuracy 1/2, no CI (--bootstrap
  // 0) so lo and hi are empty.
  EXPECT_NE(csv.out.find("\r\nexp,base/direct/free,base,direct,free,2,0.5,,,"), std::string::npos) << csv.out;

  std::string out = dir.path("episodes.csv");
  CliRun episodes = cli("export-metrics " + file + " --csv --episodes -o " + out);
  ASSERT_EQ(episodes.code, 0) << episodes.out;
  std::string text = read_file(out);
  EXPECT_EQ(count_lines(text), 13);  // header + 12 episodes
  EXPECT_NE(text.find(",\"t,2\","), std::string::npos) << "a comma is quoted";
  EXPECT_NE(text.find(",source,"), std::string::npos) << text;
  EXPECT_NE(text.find(",process_followed,"), std::string::npos) << text;
  EXPECT_FALSE(std::filesystem::exists(out + ".partial"));

  CliRun no_format = cli("export-metrics " + file);
  EXPECT_EQ(no_format.code, 2);
}

// Every layer that reads the metrics JSON reads it from one real
// compute_metrics output: the CLI tables, compare's tables and pair, the
// CSV and the report (its figures drawn by figures.py). Each reads its keys
// strictly (a missing key is an error, only a null is "no value"), so a key
// renamed on one side only fails here; and the numbers they print are the
// ones the JSON holds.
TEST_F(MetricsCli, EveryLayerReadsWhatComputeMetricsWrites) {
  const std::string same = " --bootstrap 20 --seed 3";
  CliRun json = cli("metrics " + file + " --json" + same + " 2>/dev/null");
  ASSERT_EQ(json.code, 0) << json.out;
  nlohmann::json m = nlohmann::json::parse(json.out);
  ASSERT_EQ(m["conditions"][0]["variant"], "base");
  ASSERT_EQ(m["conditions"][0]["mode"], "free");
  ASSERT_DOUBLE_EQ(m["conditions"][0]["accuracy"]["value"].get<double>(), 0.5);
  ASSERT_DOUBLE_EQ(m["conditions"][0]["tool_use_rate"].get<double>(), 1.0);

  CliRun tables = cli("metrics " + file + same);
  ASSERT_EQ(tables.code, 0) << tables.out;
  size_t row = tables.out.find("base/direct/free ");
  ASSERT_NE(row, std::string::npos) << tables.out;
  std::string line = tables.out.substr(row, tables.out.find('\n', row) - row);
  EXPECT_NE(line.find(" 0.500 "), std::string::npos) << line;  // accuracy
  EXPECT_NE(line.find(" 1.000 "), std::string::npos) << line;  // tool use
  // Throughput per sequence (JSON, then the efficiency table's last columns).
  const nlohmann::json& tps = m["conditions"][0]["efficiency"]["throughput"];
  ASSERT_DOUBLE_EQ(tps["prompt_tokens_per_s"].get<double>(), 2000.0);
  ASSERT_DOUBLE_EQ(tps["generation_tokens_per_s"].get<double>(), 100.0);
  std::vector<std::string> efficiency = row_cells(tables.out, "Efficiency", "base/direct/free");
  ASSERT_GE(efficiency.size(), 2u) << tables.out;
  EXPECT_EQ(efficiency[efficiency.size() - 2], "2000.0") << tables.out;  // prompt tok/s
  EXPECT_EQ(efficiency.back(), "100.0") << tables.out;                   // gen tok/s
  // Memory per variant: stored figures for base, nulls for q4.
  ASSERT_EQ(m["variants"].size(), 2u);
  ASSERT_EQ(m["variants"][0]["weight_bytes"], 512 << 20);
  ASSERT_TRUE(m["variants"][0]["gpu_bytes"].is_null());
  ASSERT_DOUBLE_EQ(m["variants"][0]["kv_bytes_per_inference"]["max"].get<double>(), 3 << 20);
  ASSERT_DOUBLE_EQ(m["variants"][0]["engine_generation_tokens_per_s"].get<double>(), 33.0);
  ASSERT_TRUE(m["variants"][1]["weight_bytes"].is_null());
  // variant, weights, peak RSS, GPU, KV mean, KV max (MiB), engine tok/s
  const std::string memory = "Memory and throughput per variant";
  const std::vector<std::string> base_row = {"base", "512.0", "768.0", "n/a", "3.0", "3.0", "33.0"};
  EXPECT_EQ(row_cells(tables.out, memory, "base"), base_row) << tables.out;
  EXPECT_EQ(row_cells(tables.out, memory, "q4"), (std::vector<std::string>{"q4", "-", "-", "n/a", "3.0", "3.0", "-"}))
      << tables.out;

  CliRun by_mode = cli("compare " + file + " --by mode" + same);
  ASSERT_EQ(by_mode.code, 0) << by_mode.out;
  std::vector<std::string> compared = row_cells(by_mode.out, "variant=base", "base/direct/free");
  ASSERT_GE(compared.size(), 2u) << by_mode.out;
  EXPECT_EQ(compared[compared.size() - 2], "2000.0") << by_mode.out;
  EXPECT_EQ(compared.back(), "100.0") << by_mode.out;
  EXPECT_EQ(row_cells(by_mode.out, memory, "base"), base_row) << by_mode.out;
  CliRun pair = cli("compare " + file + " --pair base q4");
  ASSERT_EQ(pair.code, 0) << pair.out;

  CliRun csv = cli("export-metrics " + file + " --csv" + same);
  ASSERT_EQ(csv.code, 0) << csv.out;
  EXPECT_NE(csv.out.find("\r\nexp,base/direct/free,base,direct,free,2,0.5,"), std::string::npos) << csv.out;

  CliRun report = cli("report " + file + " -o " + dir.path("report") + same);
  ASSERT_EQ(report.code, 0) << report.out;
  EXPECT_EQ(nlohmann::json::parse(read_file(dir.path("report/metrics.json"))), m);
  std::string html = read_file(dir.path("report/index.html"));
  EXPECT_NE(html.find("50.0%"), std::string::npos) << "base/direct/free accuracy in the headline table";
  EXPECT_NE(html.find("<td class=\"num\">2000.0</td><td class=\"num\">100.0</td></tr>"), std::string::npos) << "throughput in the efficiency table";
  EXPECT_NE(html.find("base</td><td class=\"num\">512.0</td><td class=\"num\">768.0</td><td class=\"num\">n/a</td>"),
            std::string::npos)
      << "base's row of the memory table";
  for (const char* figure : {"accuracy_by_cell", "tool_use_vs_label", "confusion", "regret", "latency", "tokens",
                             "calibration", "boundaries"})
    EXPECT_TRUE(std::filesystem::exists(dir.path(std::string("report/figures/") + figure + ".svg"))) << figure;
}

TEST_F(MetricsCli, MissingFileIsAnInputError) {
  CliRun r = cli("metrics " + dir.path("nothing.sqlite"));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
}
