// write_report on hand-made metrics (two conditions, some nulls, hostile
// text): every figure in PNG and well-formed SVG, a page with no external
// resources and escaped text, reproducible figures, one-line errors without
// matplotlib; the page as headless Chromium renders it: every figure's SVG
// laid out with a size, the title present; and `agentcoder report` on a
// results file, through the built binary.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "evaluation/report.h"
#include "store/results_store.h"
#include "support/cli_run.h"
#include "support/read_file.h"
#include "support/temp_dir.h"
#include "utils/errors.h"
#include "utils/sha256.h"

namespace {

namespace fs = std::filesystem;
using agentcoder::evaluation::ReportInput;
using agentcoder::evaluation::ReportOutput;
using agentcoder::evaluation::report_figure_names;
using agentcoder::evaluation::write_report;
using ojson = nlohmann::ordered_json;
using agentcoder::testing::read_file;
using agentcoder::testing::TempDir;

using Shell = agentcoder::testing::CliRun;  // out: stdout only
using agentcoder::testing::run_shell;

const char kHostile[] = "<script>alert('x')</script> & \"q\"";

// Two conditions of one arm plus a second arm with nothing in it: the
// shapes of README.md, with the nulls a small run really has.
ojson fixture_metrics() {
  ojson free_cond = {
      {"variant", "base"},
      {"prompt_format", "direct"},
      {"mode", "free"},
      {"n", 12},
      {"accuracy", {{"value", 0.5}, {"lo", 0.25}, {"hi", 0.75}, {"n", 10}}},
      {"process", {{"value", 0.5}, {"n", 4}}},
      {"by_cell",
       {{{"category", "pure_reasoning"}, {"difficulty", "easy"}, {"n", 3}, {"accuracy", 0.666}},
        {{"category", "execution_required"}, {"difficulty", "hard"}, {"n", 2}, {"accuracy", nullptr}},
        {{"category", "multi_step"}, {"difficulty", "intermediate"}, {"n", 4}, {"accuracy", 0.25}}}},
      {"first_action", {{"tool_call", 6}, {"text", 5}, {"malformed", 1}}},
      {"tool_use_rate", 0.5},
      {"labelled_tool_rate", 0.666},
      {"decision",
       {{"malformed_as_call", {{"precision", 0.7}, {"recall", 0.6}, {"f1", 0.646}, {"accuracy", 0.6}}},
        {"malformed_as_abstention", {{"precision", 0.8}, {"recall", 0.5}, {"f1", 0.615}, {"accuracy", 0.55}}}}},
      {"irrelevance", {{"n", 0}, {"call_rate", nullptr}, {"abstention_rate", nullptr}, {"malformed_rate", nullptr}}},
      {"tool_selection_accuracy", 0.583},
      {"per_tool",
       {{{"tool", "python"}, {"precision", 0.8}, {"recall", 0.7}, {"f1", 0.747}, {"support", 6}},
        {{"tool", "math"}, {"precision", nullptr}, {"recall", 0.0}, {"f1", nullptr}, {"support", 2}}}},
      {"confusion",
       {{"rows", {"python", "math", "docs", "none"}},
        {"cols", {"call:python", "call:math", "call:docs", "call:other", "text", "malformed"}},
        {"counts", {{4, 0, 0, 0, 1, 1}, {1, 0, 0, 0, 1, 0}, {0, 0, 0, 0, 0, 0}, {1, 0, 0, 0, 3, 0}}}}},
      {"over_use_rate", 0.25},
      {"under_use_rate", 0.25},
      {"hallucinated_calls", 1},
      {"hallucination_rate", 0.083},
      {"by_category",
       {{{"category", "pure_reasoning"}, {"n", 3}, {"accuracy", 0.666}, {"tool_use_rate", 0.333}, {"f1", 0.5}},
        {{"category", "multi_step"}, {"n", 4}, {"accuracy", 0.25}, {"tool_use_rate", 0.75}, {"f1", nullptr}}}},
      {"by_difficulty", {{{"difficulty", "easy"}, {"n", 3}, {"accuracy", 0.666}, {"tool_use_rate", 0.333}, {"f1", 0.5}}}},
      {"by_source",
       {{{"source", "gsm8k-import"}, {"n", 5}, {"judged", 4}, {"accuracy", 0.75}, {"tool_use_rate", 0.6}, {"f1", 0.8}}}},
      {"efficiency",
       {{"tool_calls_per_episode", 1.25},
        {"unnecessary_tool_calls", 1},
        {"tool_productivity", 0.5},
        {"prompt_tokens_per_task", 912.5},
        {"generated_tokens_per_task", 121.0},
        {"kv_mb_per_inference", 12.5},
        {"latency_ms", {{"prompt_eval", 200.0}, {"decode", 1500.0}, {"tool", 300.0}, {"queue", 5.0}, {"wall", 2100.0}}},
        {"throughput", {{"generation_tokens_per_s", 17.25}, {"prompt_tokens_per_s", 812.5}}}}},
      {"errors",
       {{"failed_executions", 3},
        {"by_class", {{"syntax", 1}, {"runtime", 2}}},
        {"wrong_result", 2},
        {"recovery_at_k", {{"1", 0.333}, {"2", 0.666}, {"3", 0.666}}},
        {"repeated_error_loops", 0},
        {"give_ups", 1},
        {"multi_step_success", 0.25}}},
      {"fabrication",
       {{"episodes_without_execution", 5}, {"claims", 2}, {"rate", 0.4}, {"checked", 1}, {"false_claims", 1}}},
      {"hallucination_ci", {{"lo", 0.0}, {"hi", 0.25}}},
      {"p_tool", {{"n", 12}, {"mean", 0.41}, {"lo", 3.2e-7}, {"hi", 0.525}}},
      {"samples",
       {{"per_task", {{"min", 4}, {"max", 4}}},
        {"accuracy", {{"value", 0.5}, {"lo", 0.25}, {"hi", 0.75}, {"tasks", 3}}},
        {"tool_use_rate", {{"value", 0.5}, {"lo", 0.125}, {"hi", 0.875}, {"tasks", 3}}},
        {"pass_at_k",
         {{{"k", 1}, {"value", 0.5}, {"lo", 0.25}, {"hi", 0.75}, {"tasks", 3}},
          {{"k", 4}, {"value", 0.875}, {"lo", nullptr}, {"hi", nullptr}, {"tasks", 3}}}},
        {"tool_use_consistency", {{"value", 0.625}, {"lo", 0.5}, {"hi", 0.75}, {"tasks", 3}}},
        {"unanimous_share", {{"value", 0.333}, {"lo", 0.0}, {"hi", 1.0}, {"tasks", 3}}}}}};
  // The same arm forced to text, with every rate that can be null null (a
  // key is never missing: compute_metrics writes them all).
  ojson text_cond = {{"variant", "base"},
                     {"prompt_format", "direct"},
                     {"mode", "force_text"},
                     {"n", 10},
                     {"accuracy", {{"value", nullptr}, {"lo", nullptr}, {"hi", nullptr}, {"n", 0}}},
                     {"process", {{"value", nullptr}, {"n", 0}}},
                     {"by_cell", ojson::array()},
                     {"first_action", {{"tool_call", 0}, {"text", 10}, {"malformed", 0}}},
                     {"tool_use_rate", 0.0},
                     {"labelled_tool_rate", nullptr},
                     {"decision",
                      {{"malformed_as_call", {{"precision", nullptr}, {"recall", nullptr}, {"f1", nullptr}, {"accuracy", nullptr}}},
                       {"malformed_as_abstention", nullptr}}},
                     {"irrelevance",
                      {{"n", 0}, {"call_rate", nullptr}, {"abstention_rate", nullptr}, {"malformed_rate", nullptr}}},
                     {"tool_selection_accuracy", nullptr},
                     {"per_tool", ojson::array()},
                     {"confusion", {{"rows", ojson::array()}, {"cols", ojson::array()}, {"counts", ojson::array()}}},
                     {"over_use_rate", nullptr},
                     {"under_use_rate", nullptr},
                     {"hallucinated_calls", 0},
                     {"hallucination_rate", 0.0},
                     {"by_category", ojson::array()},
                     {"by_difficulty", ojson::array()},
                     {"by_source", ojson::array()},
                     {"efficiency",
                      {{"tool_calls_per_episode", nullptr},
                       {"unnecessary_tool_calls", 0},
                       {"tool_productivity", nullptr},
                       {"prompt_tokens_per_task", nullptr},
                       {"generated_tokens_per_task", nullptr},
                       {"kv_mb_per_inference", nullptr},
                       {"latency_ms", {{"prompt_eval", nullptr}, {"decode", nullptr}, {"tool", nullptr}, {"queue", nullptr}, {"wall", nullptr}}},
                       {"throughput", {{"generation_tokens_per_s", nullptr}, {"prompt_tokens_per_s", nullptr}}}}},
                     {"errors", nullptr},
                     {"fabrication", nullptr},
                     {"hallucination_ci", {{"lo", nullptr}, {"hi", nullptr}}},
                     {"p_tool", {{"n", 0}, {"mean", nullptr}, {"lo", nullptr}, {"hi", nullptr}}},
                     {"samples", nullptr}};
  ojson m = {{"run", kHostile}, {"episodes", 24}, {"scored", 22}, {"conditions", {free_cond, text_cond}}};
  // One variant measured on a CPU (GPU null), one never measured.
  m["variants"] = {{{"variant", "base"},
                    {"episodes", 20},
                    {"weight_bytes", 1610612736},  // 1536 MiB
                    {"peak_rss_bytes", 2147483648},  // 2048 MiB
                    {"gpu_bytes", nullptr},
                    {"kv_bytes_per_inference", {{"mean", 1572864.0}, {"max", 3145728.0}, {"n", 20}}},
                    {"engine_generation_tokens_per_s", 42.5},
                    {"note", kHostile}},
                   {{"variant", "old"},
                    {"episodes", 4},
                    {"weight_bytes", nullptr},
                    {"peak_rss_bytes", nullptr},
                    {"gpu_bytes", nullptr},
                    {"kv_bytes_per_inference", {{"mean", nullptr}, {"max", nullptr}, {"n", 0}}},
                    {"engine_generation_tokens_per_s", nullptr},
                    {"note", "not measured"}}};
  m["regret"] = {{{"variant", "base"},
                  {"prompt_format", "direct"},
                  {"tasks", 8},
                  {"free_accuracy", 0.5},
                  {"best_accuracy", 0.75},
                  {"regret", 0.25},
                  {"best_choice", {{"tool", 3}, {"text", 1}, {"either", 2}, {"neither", 2}}},
                  {"label_agreement", 0.75},
                  {"label_decided_tasks", 4}},
                 {{"variant", "empty"},
                  {"prompt_format", "cot"},
                  {"tasks", 0},
                  {"free_accuracy", nullptr},
                  {"best_accuracy", nullptr},
                  {"regret", nullptr},
                  {"best_choice", nullptr},
                  {"label_agreement", nullptr},
                  {"label_decided_tasks", 0}}};
  m["calibration"] = {
      {{"variant", "base"},
       {"prompt_format", "direct"},
       {"n", 6},
       {"auroc", 0.72},
       {"bins",
        {{{"lo", 0.0}, {"hi", 0.1}, {"n", 1}, {"mean_p_tool", 0.05}, {"helped_rate", 0.0}},
         {{"lo", 0.2}, {"hi", 0.3}, {"n", 0}, {"mean_p_tool", nullptr}, {"helped_rate", nullptr}},
         {{"lo", 0.5}, {"hi", 0.6}, {"n", 3}, {"mean_p_tool", 0.55}, {"helped_rate", 0.666}},
         {{"lo", 0.9}, {"hi", 1.0}, {"n", 2}, {"mean_p_tool", 0.95}, {"helped_rate", 1.0}}}}},
      {{"variant", "empty"}, {"prompt_format", "cot"}, {"n", 0}, {"auroc", nullptr}, {"bins", ojson::array()}}};
  auto cell = [](int64_t n, double value, double lo, double hi) {
    return ojson{{"n", n}, {"value", value}, {"lo", lo}, {"hi", hi}};
  };
  m["necessity"] = {{{"variant", "base"},
                     {"prompt_format", "direct"},
                     {"threshold", 1.0},
                     {"tasks", 8},
                     {"necessary_tasks", 5},
                     {"benefit_tasks", 3},
                     {"benefit_decided_tasks", 8},
                     {"free_episodes", 8},
                     {"cells",
                      {{"necessary_called", cell(3, 0.375, 0.125, 0.625)},
                       {"necessary_not_called", cell(2, 0.25, 0.0, 0.5)},
                       {"unnecessary_called", cell(1, 0.125, 0.0, 0.375)},
                       {"unnecessary_not_called", cell(2, 0.25, 0.0, 0.5)}}},
                     {"mismatch", cell(3, 0.375, 0.125, 0.625)},
                     {"label_agreement", {{"value", 0.625}, {"n", 8}}},
                     {"per_task", ojson::array()}}};
  auto curve = [](const char* status, ojson x50, ojson lo, ojson hi, ojson intercept, ojson slope, ojson separation,
                  double knob_lo = 4.0, double knob_hi = 8.0) {
    return ojson{{"n", 8},
                 {"status", status},
                 {"x50", x50},
                 {"lo", lo},
                 {"hi", hi},
                 {"undefined_resamples", 0},
                 {"intercept", intercept},
                 {"slope", slope},
                 {"separation", separation},
                 {"points", {{{"knob", knob_lo}, {"n", 4}, {"rate", 0.25}}, {{"knob", knob_hi}, {"n", 4}, {"rate", 0.75}}}}};
  };
  m["boundaries"] = {
      {{"variant", "base"},
       {"prompt_format", "direct"},
       {"family", "exec.big_multiply"},
       {"knob", "digits"},
       {"scale", "linear"},
       {"tasks", 8},
       {"call", curve("ok", 6.0, 5.25, 6.75, -3.2958, 0.5493, nullptr)},
       {"competence", curve("separated", nullptr, nullptr, nullptr, nullptr, nullptr, {{"lo", 4.0}, {"hi", 8.0}})},
       {"gap", {{"value", nullptr}, {"lo", nullptr}, {"hi", nullptr}, {"undefined_resamples", 1000}}}},
      // Fitted over log10(n): the curve crosses 50% at log10 = 2, n = 100.
      {{"variant", "base"},
       {"prompt_format", "direct"},
       {"family", "multi.data_pipeline"},
       {"knob", "n"},
       {"scale", "log10"},
       {"tasks", 8},
       {"call", curve("ok", 100.0, 40.0, 250.0, -2.1972, 1.0986, nullptr, 10.0, 1000.0)},
       {"competence", curve("one_outcome", nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, 10.0, 1000.0)},
       {"gap", {{"value", nullptr}, {"lo", nullptr}, {"hi", nullptr}, {"undefined_resamples", 1000}}}}};
  m["sample_flips"] = {{{"variant", "base"}, {"prompt_format", "direct"}, {"tasks", 3}, {"flip_share", 0.666},
                        {"tool_text_flip_share", 0.333}}};
  return m;
}

ReportInput fixture_input() {
  ReportInput in;
  in.metrics = fixture_metrics();
  in.run_name = kHostile;
  in.created_at = "2026-11-24T10:00:00Z";
  in.config_text = "name = \"demo\"\n# a <b>comment</b> & more\n";
  in.manifest = {{"agentcoder", {{"build_git_commit", "abc123"}, {"build_tree_modified", false}}},
                 {"llama_cpp", {{"commit", "80fb11ac"}}},
                 {"models", {{{"name", "base"}, {"path", "models/base.gguf"}, {"sha256", "ff00"}},
                             {{"name", "sft"}, {"path", "models/base.gguf"}, {"sha256", "ff00"},
                              {"adapters", {{{"path", "adapters/sft.gguf"}, {"sha256", "aa11"}, {"scale", 0.5},
                                             {"registered", {{"name", "smollm2-sft"}, {"rank", 16}, {"alpha", 32.0},
                                                             {"target_modules", {"q_proj", "v_proj"}},
                                                             {"base_sha256", "ff00"}, {"data_sha256", "dd22"}}}}}}}}},
                 {"hardware", {{"cpu", "Test CPU"}, {"cores", 2}, {"memory", "MemTotal: 1 kB"}}},
                 {"note", "</pre><img src=\"http://example.com/x.png\">"}};
  return in;
}

// The text between <figure ... id="fig-NAME"> and its </figure>, or "".
std::string figure_markup(const std::string& html, const std::string& name) {
  std::smatch match;
  std::regex open("<figure[^>]*id=\"fig-" + name + "\"[^>]*>");
  if (!std::regex_search(html, match, open)) return "";
  size_t start = match.position(0);
  size_t end = html.find("</figure>", start);
  return end == std::string::npos ? "" : html.substr(start, end - start);
}

class Report : public ::testing::Test {
 protected:
  void SetUp() override { out = write_report(fixture_input(), dir.path("report")); }

  TempDir dir;
  ReportOutput out;
};

TEST_F(Report, WritesEveryFigureAsPngAndWellFormedSvg) {
  ASSERT_EQ(out.figures.size(), report_figure_names().size());
  std::string svgs;
  for (size_t i = 0; i < out.figures.size(); ++i) {
    const std::string& name = report_figure_names()[i];
    EXPECT_EQ(out.figures[i].name, name);
    std::string png = read_file(dir.path("report/figures/" + name + ".png"));
    std::string svg = read_file(dir.path("report/figures/" + name + ".svg"));
    ASSERT_GT(png.size(), 1000u) << name;
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << name;
    EXPECT_EQ(svg.rfind("<?xml", 0), 0u) << name;
    EXPECT_NE(svg.find("<svg"), std::string::npos) << name;
    EXPECT_NE(svg.find("</svg>"), std::string::npos) << name;
    svgs += " '" + dir.path("report/figures/" + name + ".svg") + "'";
  }
  // A real XML parse, with the interpreter the report needs anyway.
  Shell parsed = run_shell("/usr/bin/python3 -I -c 'import sys, xml.etree.ElementTree as E\n"
                       "for f in sys.argv[1:]: E.parse(f)\nprint(\"parsed\", len(sys.argv) - 1)'" +
                       svgs + " 2>&1");
  EXPECT_EQ(parsed.code, 0) << parsed.out;
  EXPECT_EQ(parsed.out, "parsed " + std::to_string(out.figures.size()) + "\n");
  // metrics.json is the input, as given.
  EXPECT_EQ(nlohmann::ordered_json::parse(read_file(out.metrics_json)), fixture_metrics());
}

TEST_F(Report, PageHasEveryFigureInlineAndNothingExternal) {
  std::string html = read_file(out.index_html);
  for (const std::string& name : report_figure_names()) {
    EXPECT_NE(html.find("<figure class=\"figure\" id=\"fig-" + name + "\">"), std::string::npos) << name;
    std::string fig = figure_markup(html, name);
    EXPECT_NE(fig.find("<svg"), std::string::npos) << name;
    EXPECT_NE(fig.find("<figcaption>"), std::string::npos) << name;
    EXPECT_NE(fig.find("href=\"figures/" + name + ".png\""), std::string::npos) << name;
  }
  // Offline: nothing fetched, nothing run.
  for (const char* bad : {"<script", "<link", "<img", "<iframe", "<object", "<embed", "@import", "url(http",
                          "href=\"http", "href=\"//", "href=\"file:"})
    EXPECT_EQ(html.find(bad), std::string::npos) << bad;
  std::smatch m;
  EXPECT_FALSE(std::regex_search(html, m, std::regex("<[^>]*\\ssrc\\s*=", std::regex::icase))) << m.str(0);
  EXPECT_FALSE(std::regex_search(html, m, std::regex("<[^>]*href\\s*=\\s*[\"']?\\s*(https?:|//)"))) << m.str(0);
  // Only the page's own sections and files are linked, and images inlined
  // as data (matplotlib rasterises a colorbar's gradient).
  std::regex link("href=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), link); it != std::sregex_iterator(); ++it) {
    std::string target = (*it)[1];
    EXPECT_TRUE(target.rfind("#", 0) == 0 || target.rfind("figures/", 0) == 0 ||
                target.rfind("data:image/png;base64,", 0) == 0)
        << target.substr(0, 100);
  }
}

TEST_F(Report, EscapesEveryText) {
  std::string html = read_file(out.index_html);
  EXPECT_EQ(html.find(kHostile), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("<title>agentcoder report: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
                      "</title>"),
            std::string::npos);
  EXPECT_NE(html.find("# a &lt;b&gt;comment&lt;/b&gt; &amp; more"), std::string::npos);
  EXPECT_NE(html.find("&lt;/pre&gt;&lt;img src="), std::string::npos);  // the manifest's text stays text
  EXPECT_EQ(html.find("<b>comment"), std::string::npos);
}

TEST_F(Report, ShowsTheHeadlineTablesManifestAndConfig) {
  std::string html = read_file(out.index_html);
  for (const char* text :
       {"base / direct / free", "base / direct / force_text", "50.0% [25.0, 75.0]", "0.646", "0.615", "0.250",
        "50.0% / 66.6%", "python", "0.747", "syntax 1, runtime 2", "33.3% / 66.6% / 66.6%", "40.0%", "abc123",
        "80fb11ac", "models/base.gguf", "Test CPU, 2 cores", "22 of 24 episodes are scored", "id=\"manifest\"",
        "id=\"config\"", "name = &quot;demo&quot;", "adapter of sft",
        "adapters/sft.gguf  scale 0.5  sha256 aa11  (registered as smollm2-sft: rank 16, alpha 32.0, modules "
        "q_proj,v_proj, training data sha256 dd22)"})
    EXPECT_NE(html.find(text), std::string::npos) << text;
  // By data source: the free condition's one source, 5 episodes, 4 judged.
  EXPECT_NE(html.find("<td class=\"num\">gsm8k-import</td><td class=\"num\">5</td><td class=\"num\">4</td><td class=\"num\">75.0%</td>"),
            std::string::npos);
  // The free row: 12 episodes, 10 judged (accuracy's n), the process of
  // four multi-step episodes, tool selection accuracy.
  EXPECT_NE(html.find("<td class=\"num\">12</td><td class=\"num\">10</td><td class=\"num\">50.0% [25.0, 75.0]</td>"
                      "<td class=\"num\">50.0% of 4</td><td class=\"num\">58.3%</td>"),
            std::string::npos)
      << html;
  // Throughput closes the free condition's efficiency row.
  EXPECT_NE(html.find("<td class=\"num\">812.5</td><td class=\"num\">17.2</td></tr>"), std::string::npos);
  // Memory per variant: MiB, GPU n/a on a CPU, KV mean and max, engine rate;
  // a variant never measured shows dashes.
  EXPECT_NE(html.find("id=\"memory\""), std::string::npos);
  EXPECT_NE(html.find("<td>base</td><td class=\"num\">1536.0</td><td class=\"num\">2048.0</td><td class=\"num\">n/a</td>"
                      "<td class=\"num\">1.5</td><td class=\"num\">3.0</td><td class=\"num\">42.5</td>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<td>old</td><td class=\"num\">–</td><td class=\"num\">–</td><td class=\"num\">n/a</td>"),
            std::string::npos);
  // One variant: no side-by-side section; no abstain tasks: said so.
  EXPECT_EQ(html.find("Variants side by side"), std::string::npos);
  EXPECT_NE(html.find("No abstain (irrelevance) tasks in this run."), std::string::npos);
  // Necessity and boundaries (issue 17), checked here rather than in a test
  // of their own, which would draw every figure once more.
  EXPECT_NE(html.find("id=\"necessity\""), std::string::npos);
  // A cell: share, its interval and its count; the mismatch likewise.
  EXPECT_NE(html.find("<td class=\"num\">37.5% [12.5%, 62.5%] (3)</td><td class=\"num\">25.0% [0.0%, 50.0%] (2)</td>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("3 of 8"), std::string::npos);  // tasks the tool benefits
  EXPECT_NE(html.find("62.5% of 8"), std::string::npos);  // the label agrees with necessity
  // A 50% point with its interval; a separated curve says so, with no number.
  EXPECT_NE(html.find("6.00 [5.25, 6.75] (n=8)"), std::string::npos);
  EXPECT_NE(html.find("separated between 4.0 and 8.0 (n=8)"), std::string::npos);
  EXPECT_NE(figure_markup(html, "boundaries").find("exec.big_multiply"), std::string::npos)
      << "the family's panel in the figure";
  // A knob fitted over its log10 says so; its 50% point is in knob units.
  EXPECT_NE(html.find(">n (log)</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("100.00 [40.00, 250.00] (n=8)"), std::string::npos);
  EXPECT_NE(figure_markup(html, "boundaries").find("multi.data_pipeline"), std::string::npos);
}

// Hallucinated calls for every condition; repeated samples where a
// condition has them (the free one here), and the arms' best-choice flips.
TEST_F(Report, ShowsHallucinatedCallsAndRepeatedSamples) {
  std::string html = read_file(out.index_html);
  EXPECT_NE(html.find("id=\"hallucination\""), std::string::npos);
  EXPECT_NE(html.find("<td>base / direct / free</td><td class=\"num\">12</td><td class=\"num\">1</td>"
                      "<td class=\"num\">8.3%</td><td class=\"num\">[0.0, 25.0]</td>"
                      "<td class=\"num\">0.41 (12)</td><td class=\"num\">[3.2e-07, 0.525]</td>"),
            std::string::npos)
      << html;
  // A forced condition has no probe: nothing measured, not 0.
  EXPECT_NE(html.find("<td class=\"num\">– (0)</td><td class=\"num\">–</td>"), std::string::npos);
  EXPECT_NE(html.find("href=\"#samples\""), std::string::npos);
  EXPECT_NE(html.find("<td>base / direct / free</td><td class=\"num\">4</td><td class=\"num\">50.0% [25.0, 75.0]</td>"
                      "<td class=\"num\">50.0% [12.5, 87.5]</td><td class=\"num\">62.5% [50.0, 75.0]</td>"
                      "<td class=\"num\">33.3%</td><td class=\"num\">1: 50.0% 4: 87.5%</td>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<td>base / direct</td><td class=\"num\">3</td><td class=\"num\">66.6%</td>"
                      "<td class=\"num\">33.3%</td>"),
            std::string::npos);
}

TEST_F(Report, FiguresAreByteReproducible) {
  write_report(fixture_input(), dir.path("again"));
  for (const std::string& name : report_figure_names())
    for (const char* ext : {".png", ".svg"})
      EXPECT_EQ(read_file(dir.path("report/figures/" + name + ext)), read_file(dir.path("again/figures/" + name + ext)))
          << name << ext;
  EXPECT_EQ(read_file(dir.path("report/index.html")), read_file(dir.path("again/index.html")));
}

// A run with a base and an adapter: their conditions side by side (a
// condition one variant lacks shows a dash), and the irrelevance rates of
// the abstain tasks. (A run with one variant has no side-by-side section:
// Report.ShowsTheHeadlineTablesManifestAndConfig.)
TEST(ReportVariants, BaseAndAdapterSideBySideAndIrrelevance) {
  ReportInput in = fixture_input();
  in.run_name = "study";
  ojson& conditions = in.metrics["conditions"];
  conditions[0]["irrelevance"] = {{"n", 4}, {"call_rate", 0.25}, {"abstention_rate", 0.5}, {"malformed_rate", 0.25}};
  ojson lora = conditions[0];
  lora["variant"] = "lora";
  lora["accuracy"] = {{"value", 0.75}, {"lo", 0.5}, {"hi", 0.9}, {"n", 10}};
  lora["tool_selection_accuracy"] = 0.8;
  lora["irrelevance"] = {{"n", 0}, {"call_rate", nullptr}, {"abstention_rate", nullptr}, {"malformed_rate", nullptr}};
  conditions.push_back(lora);
  TempDir dir;
  std::string html = read_file(write_report(in, dir.path("r")).index_html);
  EXPECT_NE(html.find("<a href=\"#variants\">Variants side by side</a>"), std::string::npos);
  EXPECT_NE(html.find("<th>base: accuracy [95% CI]</th><th>base: tool selection</th><th>base: tool use</th>"
                      "<th>lora: accuracy [95% CI]</th>"),
            std::string::npos)
      << html;
  // direct / free: base 50% [25, 75], selection 58.3%, use 50%; lora 75%
  // [50, 90], 80%, 50%.
  EXPECT_NE(html.find("<td>direct / free</td><td class=\"num\">50.0% [25.0, 75.0]</td><td class=\"num\">58.3%</td>"
                      "<td class=\"num\">50.0%</td><td class=\"num\">75.0% [50.0, 90.0]</td><td class=\"num\">80.0%"
                      "</td><td class=\"num\">50.0%</td></tr>"),
            std::string::npos)
      << html;
  // direct / force_text: only base has it.
  EXPECT_NE(html.find("<td>direct / force_text</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">–</td><td class=\"num\">–</td><td class=\"num\">–</td></tr>"),
            std::string::npos);
  // Irrelevance: base free's 4 abstain episodes; lora's row has none.
  EXPECT_NE(html.find("<td>base / direct / free</td><td class=\"num\">4</td><td class=\"num\">25.0%</td>"
                      "<td class=\"num\">50.0%</td><td class=\"num\">25.0%</td></tr>"),
            std::string::npos)
      << html;
  EXPECT_EQ(html.find("<td>lora / direct / free</td><td class=\"num\">0</td>"), std::string::npos);
}

TEST(ReportEdges, EmptyMetricsStillDrawEveryFigure) {
  TempDir dir;
  ReportInput in;
  in.metrics = {{"run", "empty"}, {"episodes", 0}, {"scored", 0}, {"conditions", ojson::array()},
                {"variants", ojson::array()}, {"regret", ojson::array()}, {"calibration", ojson::array()},
                {"necessity", ojson::array()}, {"boundaries", ojson::array()}};
  in.run_name = "empty";
  ReportOutput out = write_report(in, dir.path("r"));
  ASSERT_EQ(out.figures.size(), report_figure_names().size());
  std::string html = read_file(out.index_html);
  for (const std::string& name : report_figure_names())
    EXPECT_NE(figure_markup(html, name).find("<svg"), std::string::npos) << name;
  EXPECT_NE(html.find("No conditions"), std::string::npos);
  EXPECT_NE(html.find("(not stored)"), std::string::npos);
}

TEST(ReportEdges, WithoutMatplotlibSaysWhichPackage) {
  TempDir dir;
  // An interpreter without site-packages: the import of matplotlib fails
  // as on a machine without python3-matplotlib.
  std::string fake = dir.path("python3");
  {
    std::ofstream f(fake);
    f << "#!/bin/sh\nexec /usr/bin/python3 -S \"$@\"\n";
  }
  fs::permissions(fake, fs::perms::owner_all);
  ReportInput in = fixture_input();
  in.python = fake;
  try {
    write_report(in, dir.path("r"));
    FAIL() << "no error";
  } catch (const agentcoder::InputError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("apt-get install python3-matplotlib"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  in.python = dir.path("no-such-python");
  EXPECT_THROW(write_report(in, dir.path("r")), agentcoder::InputError);
}

// ---- headless Chromium -------------------------------------------------------------

std::string find_chromium() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (access(path, X_OK) == 0) return path;
  return "";
}

// Chromium's output for `args` on `url`: stdout, with stderr kept in
// `log` for the failure message.
Shell chromium(const std::string& binary, const std::string& profile, const std::string& args,
               const std::string& url, const std::string& log) {
  return run_shell("timeout 120 " + binary + " --headless --no-sandbox --disable-gpu --no-first-run " +
               "--disable-extensions --user-data-dir='" + profile + "' " + args + " '" + url + "' 2>'" + log + "'");
}

TEST_F(Report, RendersInHeadlessChromiumWithEveryFigure) {
  std::string binary = find_chromium();
  ASSERT_FALSE(binary.empty()) << "chromium is missing: run scripts/setup.sh (it installs Debian's chromium)";
  std::string url = "file://" + fs::absolute(out.index_html).string();
  std::string log = dir.path("chromium.log");

  // The DOM Chromium built from the page: the parser kept every SVG inside
  // its figure.
  Shell dom = chromium(binary, dir.path("profile"), "--dump-dom", url, log);
  ASSERT_EQ(dom.code, 0) << read_file(log);
  ASSERT_NE(dom.out.find("<title>agentcoder report: &lt;script&gt;"), std::string::npos) << dom.out.substr(0, 2000);
  ASSERT_NE(dom.out.find("<h1>agentcoder report: "), std::string::npos);
  for (const std::string& name : report_figure_names()) {
    std::string fig = figure_markup(dom.out, name);
    ASSERT_FALSE(fig.empty()) << name << " not in the DOM";
    EXPECT_NE(fig.find("<svg"), std::string::npos) << name;
  }

  // Laid out: a copy of the page with a probe that writes each figure's SVG
  // box into the DOM, so the dump shows what was rendered. (The report
  // itself has no scripts.)
  std::string html = read_file(out.index_html);
  std::string probe =
      "<script>var r = [];"
      "document.querySelectorAll('figure.figure').forEach(function (f) {"
      "  var s = f.querySelector('svg'); var b = s ? s.getBoundingClientRect() : {width: 0, height: 0};"
      "  r.push(f.id + ' ' + Math.round(b.width) + ' ' + Math.round(b.height)); });"
      "var p = document.createElement('pre'); p.id = 'render-check'; p.textContent = r.join(';');"
      "document.body.appendChild(p);</script>";
  std::string probed = dir.path("report/probed.html");
  {
    std::ofstream f(probed);
    f << html.substr(0, html.rfind("</body>")) << probe << "</body></html>\n";
  }
  Shell laid = chromium(binary, dir.path("profile"), "--window-size=1280,900 --dump-dom",
                        "file://" + fs::absolute(probed).string(), log);
  ASSERT_EQ(laid.code, 0) << read_file(log);
  std::smatch check;
  ASSERT_TRUE(std::regex_search(laid.out, check, std::regex("<pre id=\"render-check\">([^<]*)</pre>")))
      << "no render check in the DOM";
  std::string boxes = check[1];
  for (const std::string& name : report_figure_names()) {
    std::smatch box;
    ASSERT_TRUE(std::regex_search(boxes, box, std::regex("fig-" + name + " (\\d+) (\\d+)"))) << name << ": " << boxes;
    EXPECT_GT(std::stoi(box[1]), 300) << name << " width: " << boxes;
    EXPECT_GT(std::stoi(box[2]), 100) << name << " height: " << boxes;
  }

  // And it paints: a screenshot of the page is written.
  std::string shot = dir.path("shot.png");
  Shell painted = chromium(binary, dir.path("profile"), "--window-size=1280,4000 --screenshot='" + shot + "'", url, log);
  ASSERT_EQ(painted.code, 0) << read_file(log);
  std::string png = read_file(shot);
  ASSERT_GT(png.size(), 20000u) << read_file(log);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

// ---- agentcoder report ---------------------------------------------------------------

// A run of two variants x three modes x 12 tasks over every category and
// difficulty, one step per episode; every episode scored but the last
// `unscored`.
std::string make_results(const std::string& dir, int unscored) {
  using namespace agentcoder::store;
  std::string file = dir + "/results/exp/results.sqlite";
  ResultsStore store(file);
  RunRecord run;
  run.name = "exp";
  run.config_text = "name = \"exp\"\nseed = 1\n";
  // The field names of runs stored before the commit was stamped at build
  // time: the report still shows their commit.
  run.manifest = {{"agentcoder", {{"git_commit", "e2e0c0ffee"}}}, {"llama_cpp", {{"commit", "80fb11ac"}}}};
  RunSession session = store.begin_run(run);
  const char* categories[] = {"pure_reasoning", "execution_required", "ambiguous", "multi_step"};
  const char* difficulties[] = {"easy", "intermediate", "hard"};
  std::vector<ScoreRecord> scores;
  int index = 0;
  for (const char* variant : {"base", "base+dpo"}) {
    for (const char* mode : {"free", "force_tool", "force_text"}) {
      for (int t = 0; t < 12; ++t, ++index) {
        EpisodeRecord r;
        r.key.task_id = "task-" + std::to_string(t);
        r.key.task_sha256 = agentcoder::sha256_hex("task " + std::to_string(t));
        r.key.model_sha256 = agentcoder::sha256_hex(variant);
        r.key.prompt_format = "direct";
        r.key.mode = mode;
        r.key.seed = 1;
        r.key.tools = {"python", "math"};
        r.variant = variant;
        r.category = categories[t % 4];
        r.difficulty = difficulties[t % 3];
        r.optimal_tool = t % 3 == 0 ? "none" : "python";
        bool call = std::string(mode) == "force_tool" || (std::string(mode) == "free" && (t + index) % 2 == 0);
        r.first_decision = call ? "tool_call" : "text";
        r.first_tool = call ? "python" : "";
        if (std::string(mode) == "free") r.p_tool = (t % 10) / 10.0 + 0.05;
        r.stop_reason = "final_answer";
        r.final_answer = std::to_string(t);
        StepRecord step;
        step.reply_kind = r.first_decision;
        step.prompt_tokens = 300 + 10 * t;
        step.generated_tokens = 40 + t;
        step.prompt_eval_ms = 20;
        step.decode_ms = 200 + t;
        if (call) {
          ToolCallRecord c;
          c.tool = "python";
          c.arguments = R"j({"code": "print(1)"})j";
          c.executed = std::string(mode) != "force_text";
          c.ok = t % 4 != 1;
          c.error_class = c.ok ? "" : "syntax_error";
          c.wall_ms = 50;
          step.tool_calls.push_back(c);
          r.tool_ms = 50;
        }
        r.steps.push_back(step);
        r.prompt_tokens = step.prompt_tokens;
        r.generated_tokens = step.generated_tokens;
        r.prompt_eval_ms = step.prompt_eval_ms;
        r.decode_ms = step.decode_ms;
        r.wall_ms = r.prompt_eval_ms + r.decode_ms + r.tool_ms + 2;
        store.put_episode(session, r);
        ScoreRecord score;
        score.key_id = r.key.id();
        score.scorer_version = "test";
        score.check = "exact";
        score.correct = (t * 7 + index) % 3 != 0;
        score.score = *score.correct ? 1 : 0;
        scores.push_back(score);
      }
    }
  }
  scores.resize(scores.size() - unscored);
  store.put_scores(session.run_id, scores);
  return file;
}

agentcoder::testing::CliRun report_cli(const std::string& args) {
  return agentcoder::testing::run_cli(AGENTCODER_BIN, "report " + args);
}

std::string last_line_of(const std::string& out) {
  std::string t = out;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  size_t nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

TEST(ReportCli, WritesThePageAndPrintsItsPathLast) {
  TempDir dir;
  make_results(dir.root(), 0);
  std::string out_dir = dir.path("report");
  auto r = report_cli(dir.path("results/exp") + " -o " + out_dir + " --bootstrap 200");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(last_line_of(r.out), out_dir + "/index.html") << r.out;
  EXPECT_EQ(r.out.find("warning"), std::string::npos) << r.out;
  std::string html = read_file(out_dir + "/index.html");
  for (const std::string& name : report_figure_names()) {
    EXPECT_NE(figure_markup(html, name).find("<svg"), std::string::npos) << name;
    EXPECT_TRUE(fs::exists(out_dir + "/figures/" + name + ".png")) << name;
    EXPECT_TRUE(fs::exists(out_dir + "/figures/" + name + ".svg")) << name;
  }
  for (const char* text : {"agentcoder report: exp", "base / direct / free", "base+dpo / direct / force_text",
                           "e2e0c0ffee", "name = &quot;exp&quot;"})
    EXPECT_NE(html.find(text), std::string::npos) << text;
  auto metrics = nlohmann::ordered_json::parse(read_file(out_dir + "/metrics.json"));
  EXPECT_EQ(metrics["episodes"], 72);
  EXPECT_EQ(metrics["conditions"].size(), 6u);
}

TEST(ReportCli, WarnsAboutUnscoredEpisodes) {
  TempDir dir;
  std::string file = make_results(dir.root(), 5);
  auto r = report_cli(file + " -o " + dir.path("report") + " --bootstrap 0");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("5 of 72 episodes are not scored yet; run `agentcoder score " + file + "`"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(last_line_of(r.out), dir.path("report") + "/index.html");
}

TEST(ReportCli, BadInputIsOneLineAndExitTwo) {
  TempDir dir;
  std::string file = make_results(dir.root(), 0);
  for (const std::string& args : {file + " --run nope -o " + dir.path("r"), dir.path("missing.sqlite") + " -o " +
                                                                              dir.path("r")}) {
    auto r = report_cli(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out;
    EXPECT_EQ(agentcoder::testing::count_lines(r.out), 1) << r.out;
  }
}

}  // namespace

// A run with hidden states: the probe's JSON (evaluation/probe.h) in the
// metrics adds one figure after the others, drawn per variant and layer,
// with a layer whose probe could not be fitted.
TEST(ReportProbe, HiddenStatesAddTheProbeFigure) {
  ReportInput in = fixture_input();
  ojson fit = {{"n", 12}, {"positives", 5}, {"folds", 5}, {"auroc", 0.7}, {"ci_low", 0.4}, {"ci_high", 0.95}};
  ojson none = {{"n", 12}, {"positives", 1}, {"why", "1 in the smaller class, 2 needed"}};
  in.metrics["probe"] = {
      {"layers", {0, 5}},
      {"folds", 5},
      {"bootstrap", 100},
      {"groups",
       {{{"variant", "base"},
         {"width", 576},
         {"episodes", 12},
         {"layers",
          {{{"layer", 0}, {"needs", fit}, {"calls", fit}, {"cosine", 0.1}},
           {{"layer", 5}, {"needs", fit}, {"calls", none}, {"cosine", nullptr}}}}}}}};
  TempDir dir;
  ReportOutput out = write_report(in, dir.path("r"));
  ASSERT_EQ(out.figures.size(), report_figure_names().size() + 1);
  EXPECT_EQ(out.figures.back().name, "probe_layers");
  std::string html = read_file(out.index_html);
  EXPECT_NE(figure_markup(html, "probe_layers").find("<svg"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir.path("r/figures/probe_layers.png")));
}

// A percentile interval can miss its own estimate (a skewed bootstrap), and a
// probe can have no fit at any layer: the figure is still drawn.
TEST(ReportProbe, AnIntervalThatMissesItsEstimateStillDraws) {
  ReportInput in = fixture_input();
  ojson missed = {{"n", 40}, {"positives", 20}, {"folds", 5}, {"auroc", 0.7}, {"ci_low", 0.75}, {"ci_high", 0.9}};
  ojson none = {{"n", 40}, {"positives", 40}, {"why", "0 in the smaller class, 2 needed"}};
  in.metrics["probe"] = {
      {"layers", {0}},
      {"folds", 5},
      {"bootstrap", 100},
      {"groups",
       {{{"variant", "base"},
         {"width", 576},
         {"episodes", 40},
         {"layers", {{{"layer", 0}, {"needs", none}, {"calls", missed}, {"cosine", nullptr}}}}}}}};
  TempDir dir;
  ReportOutput out = write_report(in, dir.path("r"));
  ASSERT_EQ(out.figures.size(), report_figure_names().size() + 1);
  EXPECT_EQ(out.figures.back().name, "probe_layers");
  EXPECT_TRUE(fs::exists(dir.path("r/figures/probe_layers.png")));
}
