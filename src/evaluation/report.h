// The run report: one self-contained HTML page with its figures, written
// from a metrics JSON (README.md) and the run's manifest and config.
//
// write_report(input, dir) writes
//   dir/index.html        opens offline: no scripts, no external resources;
//                         every figure is inlined as SVG
//   dir/metrics.json      the metrics it was drawn from
//   dir/figures/NAME.png  and NAME.svg, for papers (the page links them)
// The figures come from the embedded figures.py run by /usr/bin/python3 with
// Debian's matplotlib. Every figure is always drawn (a "no data" panel when
// its section is empty), so a page always has the same figures.
//
// Errors: InputError when the directory cannot be written or matplotlib is
// missing (one line naming the apt package); std::runtime_error when the
// figure script fails.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentcoder::evaluation {

struct ReportInput {
  nlohmann::ordered_json metrics;  // compute_metrics()
  nlohmann::json manifest;         // the run's manifest (store::RunRecord)
  std::string run_name;
  std::string config_text;  // the run's TOML as written
  std::string created_at;   // ISO 8601 UTC
  // The interpreter for figures.py. Debian's, not whatever python3 is first
  // on PATH: that is where python3-matplotlib is installed.
  std::string python = "/usr/bin/python3";
};

struct ReportFigure {
  std::string name;  // e.g. "accuracy_by_cell"; the page's <figure id="fig-NAME">
  std::string title;
  std::string png;  // paths as written
  std::string svg;
};

struct ReportOutput {
  std::string index_html;
  std::string metrics_json;
  std::vector<ReportFigure> figures;  // in page order
};

// The report's figures, in page order: what figures.py draws.
const std::vector<std::string>& report_figure_names();

ReportOutput write_report(const ReportInput& input, const std::string& out_dir);

// Text made safe for HTML element content and attribute values.
std::string html_escape(const std::string& text);

}  // namespace agentcoder::evaluation
