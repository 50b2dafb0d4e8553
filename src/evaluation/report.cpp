#include "evaluation/report.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "utils/child_process.h"
#include "utils/errors.h"
#include "utils/files.h"
#include "utils/scratch_dir.h"

namespace agentcoder::evaluation {

extern const char kFiguresSource[];  // figures.py, embedded by CMake

namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

// ---- files and the figure script ------------------------------------------------

// Runs `python -I figures.py metrics fig_dir`, stdout and stderr to files
// (no pipes, so neither can fill up and stall the child). Returns stdout.
std::string run_figure_script(const std::string& python, const std::string& metrics_path,
                              const std::string& fig_dir) {
  if (access(python.c_str(), X_OK) != 0)
    throw InputError(python + " not found; the report's figures need Debian's python3 with matplotlib: "
                     "apt-get install python3 python3-matplotlib");
  ScratchDir tmp("agentcoder-report");
  std::string script = tmp.path("figures.py"), out_path = tmp.path("stdout"), err_path = tmp.path("stderr");
  write_file_atomically(script, kFiguresSource);

  // -I: no user site-packages or PYTHON* variables, so the figures depend
  // on the system's packages only.
  const int status = run_to_files({python, "-I", script, metrics_path, fig_dir}, out_path, err_path);
  std::string err = last_line(read_file(err_path));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
    throw InputError("matplotlib is missing for " + python + ": apt-get install python3-matplotlib");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("figures.py failed (" + describe_wait_status(status) + ")" + (err.empty() ? "" : ": " + err));
  }
  return read_file(out_path);
}

// ---- reading the metrics: nulls are normal, a missing key is an error ------------

// The value at obj[key], or nullptr when obj is null (an empty denominator
// further up) or the value is null. A key compute_metrics does not write is
// a renamed or misspelt key: it throws, so the report cannot quietly show
// dashes for a metric it no longer finds.
const ojson* at(const ojson* obj, const char* key) {
  if (!obj || obj->is_null()) return nullptr;
  if (!obj->is_object()) throw std::logic_error(std::string("metrics JSON: '") + key + "' read from a non-object");
  auto it = obj->find(key);
  if (it == obj->end()) throw std::logic_error(std::string("metrics JSON: no key '") + key + "'");
  return it->is_null() ? nullptr : &*it;
}

const ojson* at(const ojson* obj, const char* k1, const char* k2) { return at(at(obj, k1), k2); }

std::string number(const ojson* v, int digits) {
  if (!v || !v->is_number()) return "–";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v->get<double>());
  return buf;
}

std::string percent(const ojson* v) {
  if (!v || !v->is_number()) return "–";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * v->get<double>());
  return buf;
}

// A rate in percent without the sign, for intervals: "25.0".
std::string number_pct(const ojson* v) {
  std::string p = percent(v);
  return p.back() == '%' ? p.substr(0, p.size() - 1) : p;
}

std::string count(const ojson* v) {
  if (!v || !v->is_number()) return "–";
  if (v->is_number_integer() || v->is_number_unsigned()) return v->dump();
  return number(v, 1);
}

std::string text_of(const ojson* v) {
  if (!v) return "–";
  return v->is_string() ? v->get<std::string>() : v->dump();
}

std::string condition_name(const ojson& c) {
  return text_of(at(&c, "variant")) + " / " + text_of(at(&c, "prompt_format")) + " / " + text_of(at(&c, "mode"));
}

std::vector<const ojson*> list(const ojson* obj, const char* key) {
  std::vector<const ojson*> out;
  const ojson* v = at(obj, key);
  if (v && v->is_array())
    for (const ojson& item : *v)
      if (item.is_object()) out.push_back(&item);
  return out;
}

// ---- HTML -------------------------------------------------------------------------

std::string e(const std::string& text) { return html_escape(text); }

// A table from a header and rows of already-escaped cells; the first
// column is text, the others numbers (right-aligned).
std::string table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                  const std::string& empty_note) {
  if (rows.empty()) return "<p class=\"empty\">" + e(empty_note) + "</p>\n";
  // Wide tables scroll inside their box, not the page.
  std::string h = "<div class=\"table-wrap\"><table>\n<thead><tr>";
  for (const std::string& cell : header) h += "<th>" + e(cell) + "</th>";
  h += "</tr></thead>\n<tbody>\n";
  for (const std::vector<std::string>& row : rows) {
    h += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) h += (i == 0 ? "<td>" : "<td class=\"num\">") + row[i] + "</td>";
    h += "</tr>\n";
  }
  return h + "</tbody>\n</table></div>\n";
}

const char kStyle[] = R"(
body { font-family: "DejaVu Sans", Verdana, sans-serif; font-size: 14px; line-height: 1.45;
       max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
dl.runinfo { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.runinfo dt { font-weight: bold; }
dl.runinfo dd { margin: 0; word-break: break-all; }
.warn { background: #fff3cd; border: 1px solid #e0c36a; padding: 0.5em 0.8em; }
.empty { color: #777; font-style: italic; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; vertical-align: top; }
th { background: #f2f2f2; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure.figure { margin: 1.5em 0; }
figure.figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 0.9em; color: #333; margin-top: 0.4em; }
pre { background: #f7f7f7; border: 1px solid #ddd; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
nav ul { columns: 2; }
)";

// The SVG as an HTML element: without its XML prolog and metadata (which
// hold namespace URLs only), labelled for screen readers.
std::string inline_svg(const std::string& svg, const std::string& title) {
  size_t start = svg.find("<svg");
  if (start == std::string::npos) throw std::runtime_error("figures.py wrote an SVG without <svg");
  std::string body = svg.substr(start);
  size_t meta = body.find("<metadata>");
  size_t meta_end = body.find("</metadata>");
  if (meta != std::string::npos && meta_end != std::string::npos && meta_end > meta)
    body.erase(meta, meta_end + std::string("</metadata>").size() - meta);
  return "<svg role=\"img\" aria-label=\"" + e(title) + "\"" + body.substr(4);
}

// One adapter of a model as the manifest lists it (experiment/variant.h):
// its file, scale and sha256, and for a registered adapter its registry
// facts (adapters/registry.h).
std::string adapter_text(const nlohmann::json& a) {
  if (!a.is_object()) return "?";
  auto text = [](const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  std::string out = text(a.value("path", nlohmann::json("?"))) + "  scale " + text(a.value("scale", nlohmann::json()));
  out += "  sha256 " + text(a.value("sha256", nlohmann::json("?")));
  if (a.contains("registered") && a["registered"].is_object()) {
    const nlohmann::json& r = a["registered"];
    std::string targets;
    for (const auto& t : r.value("target_modules", nlohmann::json::array())) targets += (targets.empty() ? "" : ",") + text(t);
    out += "  (registered as " + text(r.value("name", nlohmann::json("?"))) + ": rank " +
           text(r.value("rank", nlohmann::json())) + ", alpha " + text(r.value("alpha", nlohmann::json())) +
           ", modules " + targets + ", training data sha256 " + text(r.value("data_sha256", nlohmann::json())) + ")";
  }
  return out;
}

std::string run_info(const ReportInput& in) {
  const ojson& m = in.metrics;
  nlohmann::json manifest = in.manifest.is_object() ? in.manifest : nlohmann::json::object();
  auto manifest_text = [&](const char* k1, const char* k2) -> std::string {
    if (!manifest.contains(k1) || !manifest[k1].is_object() || !manifest[k1].contains(k2)) return "–";
    const nlohmann::json& v = manifest[k1][k2];
    return v.is_string() ? v.get<std::string>() : v.dump();
  };
  std::string h = "<dl class=\"runinfo\">\n";
  auto row = [&](const std::string& key, const std::string& value) {
    h += "<dt>" + e(key) + "</dt><dd>" + e(value) + "</dd>\n";
  };
  row("run", in.run_name);
  row("created", in.created_at.empty() ? "–" : in.created_at);
  row("episodes", count(at(&m, "episodes")) + " stored, " + count(at(&m, "scored")) + " scored");
  // Runs stored before the commit was stamped at build time name the fields
  // git_commit and tree_modified.
  bool stamped = manifest.contains("agentcoder") && manifest["agentcoder"].contains("build_git_commit");
  std::string commit = manifest_text("agentcoder", stamped ? "build_git_commit" : "git_commit");
  if (manifest_text("agentcoder", stamped ? "build_tree_modified" : "tree_modified") == "true")
    commit += " (tree had local changes)";
  row("agentcoder commit", commit);
  row("llama.cpp commit", manifest_text("llama_cpp", "commit"));
  if (manifest.contains("models") && manifest["models"].is_array()) {
    for (const nlohmann::json& model : manifest["models"]) {
      if (!model.is_object()) continue;
      std::string name = model.value("name", std::string("?"));
      std::string sha = model.value("sha256", std::string(""));
      row("model " + name, model.value("path", std::string("")) + (sha.empty() ? "" : "  sha256 " + sha));
      if (!model.contains("adapters") || !model["adapters"].is_array()) continue;
      for (const nlohmann::json& a : model["adapters"]) row("adapter of " + name, adapter_text(a));
    }
  }
  std::string hardware = manifest_text("hardware", "cpu") + ", " + manifest_text("hardware", "cores") + " cores, " +
                         manifest_text("hardware", "memory");
  row("hardware", hardware);
  return h + "</dl>\n";
}

// Accuracy [CI] of a condition, as the headline shows it.
std::string accuracy_text(const ojson* c) {
  const ojson* acc = at(c, "accuracy");
  std::string accuracy = percent(at(acc, "value"));
  if (at(acc, "lo") && at(acc, "hi"))
    accuracy += " [" + number_pct(at(acc, "lo")) + ", " + number_pct(at(acc, "hi")) + "]";
  return accuracy;
}

std::string headline(const ojson& m) {
  // Regret is per arm; it is shown on the arm's free row, where the choice
  // it measures was made.
  std::vector<const ojson*> arms = list(&m, "regret");
  std::vector<std::vector<std::string>> rows;
  for (const ojson* c : list(&m, "conditions")) {
    std::string regret = "";
    if (text_of(at(c, "mode")) == "free")
      for (const ojson* a : arms)
        if (text_of(at(a, "variant")) == text_of(at(c, "variant")) &&
            text_of(at(a, "prompt_format")) == text_of(at(c, "prompt_format")))
          regret = number(at(a, "regret"), 3);
    const ojson* acc = at(c, "accuracy");
    std::string accuracy = accuracy_text(c);
    const ojson* process = at(c, "process");
    std::string followed = "–";
    if (const ojson* n = at(process, "n"); n && n->is_number() && n->get<double>() > 0)
      followed = percent(at(process, "value")) + " of " + count(n);
    rows.push_back({e(condition_name(*c)), count(at(c, "n")), count(at(acc, "n")), e(accuracy), e(followed),
                    percent(at(c, "tool_selection_accuracy")),
                    percent(at(c, "tool_use_rate")) + " / " + percent(at(c, "labelled_tool_rate")),
                    number(at(at(c, "decision"), "malformed_as_call", "f1"), 3),
                    number(at(at(c, "decision"), "malformed_as_abstention", "f1"), 3),
                    percent(at(c, "over_use_rate")), percent(at(c, "under_use_rate")),
                    percent(at(c, "hallucination_rate")), regret});
  }
  return table({"condition (variant / format / mode)", "episodes", "judged", "accuracy [95% CI]", "process",
                "tool selection", "tool use / labelled",
                "F1 (malformed = call)", "F1 (malformed = text)", "over-use", "under-use", "hallucination",
                "regret"},
               rows, "No conditions: the run has no episodes.") +
         "<p>Episodes: all of the condition; judged: those with a correctness (scored, and not decision "
         "tasks), over which accuracy is the share of correct ones; the interval is a 95% bootstrap over "
         "tasks. Accuracy is the outcome; process: the share of episodes with an expected tool sequence "
         "(multi-step tasks) whose calls followed it, of that many. Tool selection: share of labelled "
         "episodes whose first action is one of the label's choices (the best tool or an accepted "
         "alternative; text where the label is none). Tool use: share of episodes whose first action is a "
         "tool call, against the share whose label says a tool is best. F1 of the decision to call a tool, "
         "counting malformed first replies once as calls and once as text. Over-use: calls among episodes "
         "labelled none (a call to a tool the task accepts as an alternative excepted); under-use: text "
         "among episodes labelled with a tool. Hallucination: calls to tools "
         "that were not offered, per episode. Regret (free rows): mean over tasks of the best forced mode's "
         "correctness minus the free one's.</p>\n";
}

// A run with two or more variants (a base model and its adapters): one row
// per prompt format x mode, each variant's figures side by side. Empty when
// the run has one variant.
std::string side_by_side(const ojson& m) {
  std::vector<std::string> variants, arms;  // in the conditions' order
  std::map<std::string, const ojson*> by_name;
  for (const ojson* c : list(&m, "conditions")) {
    std::string v = text_of(at(c, "variant"));
    std::string arm = text_of(at(c, "prompt_format")) + " / " + text_of(at(c, "mode"));
    if (std::find(variants.begin(), variants.end(), v) == variants.end()) variants.push_back(v);
    if (std::find(arms.begin(), arms.end(), arm) == arms.end()) arms.push_back(arm);
    by_name[v + "\n" + arm] = c;
  }
  if (variants.size() < 2) return "";
  std::vector<std::string> header = {"format / mode"};
  for (const std::string& v : variants)
    for (const char* what : {"accuracy [95% CI]", "tool selection", "tool use"}) header.push_back(v + ": " + what);
  std::vector<std::vector<std::string>> rows;
  for (const std::string& arm : arms) {
    std::vector<std::string> row = {e(arm)};
    for (const std::string& v : variants) {
      auto it = by_name.find(v + "\n" + arm);
      const ojson* c = it == by_name.end() ? nullptr : it->second;
      row.push_back(c ? e(accuracy_text(c)) : "–");
      row.push_back(c ? percent(at(c, "tool_selection_accuracy")) : "–");
      row.push_back(c ? percent(at(c, "tool_use_rate")) : "–");
    }
    rows.push_back(row);
  }
  return "<section id=\"variants\">\n<h2>Variants side by side</h2>\n" +
         table(header, rows, "No conditions.") +
         "<p>Each variant (the base model, an adapter, a re-quantization) on the same prompt formats and modes; "
         "intervals as in the headline. Whether a difference is more than chance is for paired tests: "
         "<code>agentcoder compare RUN --pair A B</code> gives the paired bootstrap CI of the accuracy "
         "difference, McNemar and the decision flips.</p>\n</section>\n";
}

// BFCL irrelevance (abstain tasks): what the first reply did.
std::string irrelevance(const ojson& m) {
  std::vector<std::vector<std::string>> rows;
  for (const ojson* c : list(&m, "conditions")) {
    const ojson* r = at(c, "irrelevance");
    const ojson* n = at(r, "n");
    if (!n || !n->is_number() || n->get<double>() == 0) continue;
    rows.push_back({e(condition_name(*c)), count(n), percent(at(r, "call_rate")), percent(at(r, "abstention_rate")),
                    percent(at(r, "malformed_rate"))});
  }
  return table({"condition", "abstain episodes", "call", "abstention", "malformed"}, rows,
               "No abstain (irrelevance) tasks in this run.") +
         "<p>Tasks where none of the offered functions fits (BFCL irrelevance): the share of scored episodes whose "
         "first reply was a valid call (wrong), a clean abstention (right) or a malformed attempt (wrong). An "
         "episode without a reply counts in the total only.</p>\n";
}

// ---- Hallucinated calls and repeated samples (hallucination.h, samples_metrics.h) ----

std::string interval_pct(const ojson* estimate) {
  if (!at(estimate, "lo")) return "–";
  return "[" + number_pct(at(estimate, "lo")) + ", " + number_pct(at(estimate, "hi")) + "]";
}

// 3 significant digits: p_tool spans orders of magnitude (1e-13 in no_tools, 0.1 in free).
std::string significant(const ojson* v) {
  if (!v || !v->is_number()) return "–";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v->get<double>());
  return buf;
}

std::string interval_significant(const ojson* estimate) {
  if (!at(estimate, "lo")) return "–";
  return "[" + significant(at(estimate, "lo")) + ", " + significant(at(estimate, "hi")) + "]";
}

std::string hallucination(const ojson& m) {
  std::vector<std::vector<std::string>> rows;
  for (const ojson* c : list(&m, "conditions"))
    rows.push_back({e(condition_name(*c)), count(at(c, "n")), count(at(c, "hallucinated_calls")),
                    percent(at(c, "hallucination_rate")), interval_pct(at(c, "hallucination_ci")),
                    significant(at(c, "p_tool", "mean")) + " (" + count(at(c, "p_tool", "n")) + ")",
                    interval_significant(at(c, "p_tool"))});
  return table({"condition", "episodes", "hallucinated calls", "episodes with one", "95% CI", "mean p_tool (probed)",
                "95% CI"},
               rows, "No conditions.") +
         "<p>A hallucinated call is a call to a tool the episode was not offered; in the <code>distractor</code> "
         "mode (only an irrelevant weather lookup offered) every call is one, and in <code>no_tools</code> and "
         "<code>force_text</code> (nothing offered) every call is one too. The rate is the share of episodes with at "
         "least one; its interval resamples tasks. p_tool is the decision probe: the first reply's probability, "
         "before it is sampled, of opening a call in the episode's format, measured where the model decides (free, "
         "no_tools, distractor); in the last two it is the propensity to a hallucinated call, graded where the "
         "counts are 0.</p>\n";
}

// Empty when no condition has repeated samples.
std::string samples(const ojson& m) {
  std::vector<std::vector<std::string>> rows;
  for (const ojson* c : list(&m, "conditions")) {
    const ojson* s = at(c, "samples");
    if (!s) continue;
    std::string pass;
    for (const ojson* p : list(s, "pass_at_k"))
      pass += (pass.empty() ? "" : " ") + count(at(p, "k")) + ": " + percent(at(p, "value"));
    rows.push_back({e(condition_name(*c)), count(at(s, "per_task", "max")),
                    percent(at(s, "accuracy", "value")) + " " + interval_pct(at(s, "accuracy")),
                    percent(at(s, "tool_use_rate", "value")) + " " + interval_pct(at(s, "tool_use_rate")),
                    percent(at(s, "tool_use_consistency", "value")) + " " + interval_pct(at(s, "tool_use_consistency")),
                    percent(at(s, "unanimous_share", "value")), e(pass)});
  }
  if (rows.empty()) return "";
  std::vector<std::vector<std::string>> flips;
  for (const ojson* f : list(&m, "sample_flips"))
    flips.push_back({e(text_of(at(f, "variant")) + " / " + text_of(at(f, "prompt_format"))), count(at(f, "tasks")),
                     percent(at(f, "flip_share")), percent(at(f, "tool_text_flip_share"))});
  return table({"condition", "samples (K)", "accuracy [95% CI]", "tool use [95% CI]", "consistency [95% CI]",
                "unanimous", "pass@k"},
               rows, "") +
         "<p>Means over tasks of each task's value over its K samples; intervals resample tasks, a task's samples "
         "moving with it. Consistency: the share of pairs of a task's samples whose first actions (call, text, "
         "malformed) agree; unanimous: tasks where all agree. pass@k is the unbiased estimator.</p>\n" +
         table({"arm (variant / format)", "tasks", "best choice flips", "tool <-> text"}, flips,
               "No task has two force_tool / force_text sample pairs.") +
         "<p>The best choice of a sample pair (force_tool and force_text with the same sample index): tool, text, "
         "either or neither; a task flips when its pairs do not agree.</p>\n";
}

std::string per_tool(const ojson& m) {
  std::vector<std::vector<std::string>> rows;
  for (const ojson* c : list(&m, "conditions"))
    for (const ojson* t : list(c, "per_tool"))
      rows.push_back({e(condition_name(*c)), e(text_of(at(t, "tool"))), number(at(t, "precision"), 3),
                      number(at(t, "recall"), 3), number(at(t, "f1"), 3), count(at(t, "support"))});
  return table({"condition", "tool", "precision", "recall", "F1", "support"}, rows, "No per-tool results.") +
         "<p>A first call is a true positive for a tool when that tool is the labelled best one or an accepted "
         "alternative; support is the number of episodes labelled with the tool.</p>\n";
}

std::string by_source(const ojson& m) {
  std::vector<std::vector<std::string>> rows;
  for (const ojson* c : list(&m, "conditions"))
    for (const ojson* s : list(c, "by_source"))
      rows.push_back({e(condition_name(*c)), e(text_of(at(s, "source"))), count(at(s, "n")), count(at(s, "judged")),
                      percent(at(s, "accuracy")), percent(at(s, "tool_use_rate")), number(at(s, "f1"), 3)});
  return table({"condition", "source", "episodes", "judged", "accuracy", "tool use", "F1 (malformed = call)"}, rows,
               "No conditions.") +
         "<p>The tasks' data source (their <code>source</code> field: the generator, or the public set they were "
         "imported from); accuracy over the judged episodes.</p>\n";
}

std::string regret_table(const ojson& m) {
  std::vector<std::vector<std::string>> rows;
  std::vector<const ojson*> calibration = list(&m, "calibration");
  for (const ojson* a : list(&m, "regret")) {
    std::string auroc = "–";
    for (const ojson* cal : calibration)
      if (text_of(at(cal, "variant")) == text_of(at(a, "variant")) &&
          text_of(at(cal, "prompt_format")) == text_of(at(a, "prompt_format")))
        auroc = number(at(cal, "auroc"), 3) + " (n=" + count(at(cal, "n")) + ")";
    const ojson* best = at(a, "best_choice");
    rows.push_back({e(text_of(at(a, "variant")) + " / " + text_of(at(a, "prompt_format"))), count(at(a, "tasks")),
                    percent(at(a, "free_accuracy")), percent(at(a, "best_accuracy")), number(at(a, "regret"), 3),
                    count(at(best, "tool")) + " / " + count(at(best, "text")) + " / " + count(at(best, "either")) +
                        " / " + count(at(best, "neither")),
                    percent(at(a, "label_agreement")) + " of " + count(at(a, "label_decided_tasks")), e(auroc)});
  }
  return table({"arm (variant / format)", "tasks", "free accuracy", "best accuracy", "regret",
                "best: tool / text / either / neither", "label agrees", "AUROC of p_tool"},
               rows, "No arm has all three modes scored on the same tasks.");
}

// ---- Issue 17: necessity per model, decision against competence boundary ----

std::string share_ci(const ojson* v) {
  std::string s = percent(at(v, "value"));
  const ojson* lo = at(v, "lo");
  if (lo && lo->is_number()) s += " [" + percent(lo) + ", " + percent(at(v, "hi")) + "]";
  return s + " (" + count(at(v, "n")) + ")";
}

std::string necessity_table(const ojson& m) {
  std::vector<std::vector<std::string>> rows;
  std::string threshold = "1";
  for (const ojson* a : list(&m, "necessity")) {
    threshold = number(at(a, "threshold"), 2);
    const ojson* c = at(a, "cells");
    rows.push_back({e(text_of(at(a, "variant")) + " / " + text_of(at(a, "prompt_format"))), count(at(a, "tasks")),
                    count(at(a, "necessary_tasks")),
                    count(at(a, "benefit_tasks")) + " of " + count(at(a, "benefit_decided_tasks")),
                    share_ci(at(c, "necessary_called")), share_ci(at(c, "necessary_not_called")),
                    share_ci(at(c, "unnecessary_called")), share_ci(at(c, "unnecessary_not_called")),
                    share_ci(at(a, "mismatch")),
                    percent(at(a, "label_agreement", "value")) + " of " + count(at(a, "label_agreement", "n"))});
  }
  return table({"arm (variant / format)", "tasks", "necessary", "tool benefits", "necessary, called",
                "necessary, not called", "unnecessary, called", "unnecessary, not called", "mismatch",
                "label agrees"},
               rows, "No arm has force_text episodes.") +
         "<p>Necessity for this model: a task needs the tool unless force_text solves it in at least " + e(threshold) +
         " of its samples; the tool benefits it when force_tool solves it more often. Cells: shares of the arm's "
         "free episodes on those tasks by whether the first action was a valid call, with 95% bootstrap intervals "
         "over tasks and counts. Mismatch: necessary and not called, or unnecessary and called. Label agrees: "
         "the tasks whose label says a tool exactly when they are necessary for this model.</p>\n";
}

std::string crossing_text(const ojson* c) {
  const ojson* x50 = at(c, "x50");
  if (!x50 || !x50->is_number()) {
    std::string status = text_of(at(c, "status"));
    const ojson* sep = at(c, "separation");
    if (sep && sep->is_object()) status += " between " + number(at(sep, "lo"), 1) + " and " + number(at(sep, "hi"), 1);
    return status;
  }
  const ojson* lo = at(c, "lo");
  return number(x50, 2) +
         (lo && lo->is_number() ? " [" + number(lo, 2) + ", " + number(at(c, "hi"), 2) + "]" : " (no interval)");
}

std::string boundaries_table(const ojson& m) {
  std::vector<std::vector<std::string>> rows;
  for (const ojson* b : list(&m, "boundaries")) {
    const ojson* g = at(b, "gap");
    const ojson* lo = at(g, "lo");
    std::string gap = number(at(g, "value"), 2);
    if (lo && lo->is_number()) gap += " [" + number(lo, 2) + ", " + number(at(g, "hi"), 2) + "]";
    rows.push_back({e(text_of(at(b, "variant")) + " / " + text_of(at(b, "prompt_format"))), e(text_of(at(b, "family"))),
                    e(text_of(at(b, "knob")) + (text_of(at(b, "scale")) == "log10" ? " (log)" : "")), count(at(b, "tasks")),
                    e(crossing_text(at(b, "call"))) + " (n=" + count(at(b, "call", "n")) + ")",
                    e(crossing_text(at(b, "competence"))) + " (n=" + count(at(b, "competence", "n")) + ")", gap});
  }
  return table({"arm", "family", "knob", "tasks", "call 50%", "competence 50%", "gap (call - competence)"}, rows,
               "No generated tasks with a difficulty knob.") +
         "<p>Over each generator family's difficulty knob (its first), logistic curves of P(call | free) and "
         "P(correct | force_text) and the knob value where each crosses 50%, with 95% bootstrap intervals over "
         "tasks. Where no 50% point exists the status says why: separated (the outcome switches between two knob "
         "values with no overlap, so the curve is a step), one_outcome, one_knob_value, flat, or no_crossing (the "
         "fitted curve crosses outside the knob values seen). No interval: more than 2.5% of the resamples had no "
         "crossing. A knob marked (log) has positive values spanning 100x or more and is fitted over its log10; "
         "its 50% points and gaps are still in knob units.</p>\n";
}

std::string efficiency(const ojson& m) {
  std::vector<std::vector<std::string>> rows;
  for (const ojson* c : list(&m, "conditions")) {
    const ojson* eff = at(c, "efficiency");
    const ojson* lat = at(eff, "latency_ms");
    rows.push_back({e(condition_name(*c)), number(at(eff, "tool_calls_per_episode"), 2),
                    count(at(eff, "unnecessary_tool_calls")), number(at(eff, "tool_productivity"), 3),
                    number(at(eff, "prompt_tokens_per_task"), 0), number(at(eff, "generated_tokens_per_task"), 0),
                    number(at(eff, "kv_mb_per_inference"), 1), number(at(lat, "prompt_eval"), 0),
                    number(at(lat, "decode"), 0), number(at(lat, "tool"), 0), number(at(lat, "queue"), 0),
                    number(at(lat, "wall"), 0), number(at(eff, "throughput", "prompt_tokens_per_s"), 1),
                    number(at(eff, "throughput", "generation_tokens_per_s"), 1)});
  }
  return table({"condition", "calls / episode", "unnecessary calls", "productivity", "prompt tokens",
                "generated tokens", "KV MB", "prompt eval ms", "decode ms", "tool ms", "queue ms", "wall ms",
                "prompt tok/s", "generation tok/s"},
               rows, "No conditions.") +
         "<p>Means per episode. Unnecessary calls: calls in episodes labelled none, except calls to a tool "
         "the task accepts as an alternative. Productivity: correct "
         "episodes with at least one executed call per executed call. Tokens per second are per sequence: "
         "evaluated prompt tokens per second of prompt evaluation, tokens after each reply's first per second "
         "of decoding; under continuous batching a sequence shares the engine with others.</p>\n";
}

std::string mib(const ojson* bytes, const char* null_text = "–") {
  if (!bytes || !bytes->is_number()) return null_text;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", bytes->get<double>() / (1024.0 * 1024.0));
  return buf;
}

std::string memory(const ojson& m) {
  std::vector<std::vector<std::string>> rows;
  std::string notes;
  for (const ojson* v : list(&m, "variants")) {
    const ojson* kv = at(v, "kv_bytes_per_inference");
    rows.push_back({e(text_of(at(v, "variant"))), mib(at(v, "weight_bytes")), mib(at(v, "peak_rss_bytes")),
                    mib(at(v, "gpu_bytes"), "n/a"), mib(at(kv, "mean")), mib(at(kv, "max")),
                    number(at(v, "engine_generation_tokens_per_s"), 1)});
    notes += "<li>" + e(text_of(at(v, "variant"))) + ": " + e(text_of(at(v, "note"))) + "</li>\n";
  }
  return table({"variant", "weights MiB", "peak RSS MiB", "GPU MiB", "KV MiB mean", "KV MiB max",
                "engine generation tok/s"},
               rows, "No variants.") +
         "<p>Weights: the model's tensor bytes (llama.cpp); peak RSS: the process's resident memory at its "
         "highest while the variant ran (with the model file mapped, weights count only once read); GPU: n/a "
         "without a GPU; KV: per episode, the most one reply held. Engine tok/s: all generated tokens of the "
         "variant per second of its wall time (every sequence together).</p>\n<ul>\n" +
         notes + "</ul>\n";
}

std::string errors(const ojson& m) {
  std::vector<std::vector<std::string>> rows;
  for (const ojson* c : list(&m, "conditions")) {
    const ojson* err = at(c, "errors");
    std::string classes;
    if (const ojson* by = at(err, "by_class"); by && by->is_object())
      for (auto it = by->begin(); it != by->end(); ++it)  // only the classes that occurred, to stay readable
        if (!(it->is_number() && it->get<double>() == 0))
          classes += (classes.empty() ? "" : ", ") + it.key() + " " + count(&it.value());
    const ojson* rec = at(err, "recovery_at_k");
    rows.push_back({e(condition_name(*c)), count(at(err, "failed_executions")), e(classes.empty() ? "–" : classes),
                    count(at(err, "wrong_result")),
                    percent(at(rec, "1")) + " / " + percent(at(rec, "2")) + " / " + percent(at(rec, "3")),
                    count(at(err, "repeated_error_loops")), count(at(err, "give_ups")),
                    percent(at(err, "multi_step_success"))});
  }
  return table({"condition", "failed executions", "by class", "wrong result", "recovery @1 / @2 / @3",
                "loops", "give-ups", "multi-step success"},
               rows, "No conditions.") +
         "<p>Wrong result: every call succeeded but the answer is wrong. Recovery@k: of episodes with a failed "
         "execution, the share with a successful one within the next k calls. Loop: the same failure class "
         "twice in a row. Give-up: a failure never followed by a success.</p>\n";
}

std::string fabrication(const ojson& m) {
  std::vector<std::vector<std::string>> rows;
  for (const ojson* c : list(&m, "conditions")) {
    const ojson* f = at(c, "fabrication");
    rows.push_back({e(condition_name(*c)), count(at(f, "episodes_without_execution")), count(at(f, "claims")),
                    percent(at(f, "rate")), count(at(f, "checked")), count(at(f, "false_claims"))});
  }
  return table({"condition", "episodes without execution", "claims", "rate", "checked", "false claims"}, rows,
               "No conditions.") +
         "<p>A claim: the answer says it computed a result, or shows an output block, although nothing was "
         "executed. Checked claims had their code run afterwards; false ones did not match.</p>\n";
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

const std::vector<std::string>& report_figure_names() {
  static const std::vector<std::string> names = {"accuracy_by_cell", "tool_use_vs_label", "confusion", "regret",
                                                 "latency",          "tokens",            "calibration",
                                                 "boundaries"};
  return names;
}

ReportOutput write_report(const ReportInput& input, const std::string& out_dir) {
  ReportOutput result;
  std::string fig_dir = out_dir + "/figures";
  std::error_code ec;
  fs::create_directories(fig_dir, ec);
  if (ec) throw InputError(out_dir + ": cannot create the report directory: " + ec.message());

  constexpr auto replace = nlohmann::json::error_handler_t::replace;  // stored text may hold bad UTF-8
  result.metrics_json = out_dir + "/metrics.json";
  write_file_atomically(result.metrics_json, input.metrics.dump(2, ' ', false, replace) + "\n");

  ojson listed;
  std::string listing = run_figure_script(input.python, result.metrics_json, fig_dir);
  try {
    listed = ojson::parse(listing);
  } catch (const nlohmann::json::exception&) {
    throw std::runtime_error("figures.py printed no figure list: " + last_line(listing));
  }
  std::vector<std::string> captions;
  for (const ojson& f : listed) {
    ReportFigure fig{f.value("name", ""), f.value("title", ""), f.value("png", ""), f.value("svg", "")};
    captions.push_back(f.value("caption", ""));
    result.figures.push_back(fig);
  }
  // The page promises every figure; a script out of step with this list is
  // a bug, not a report with a figure missing.
  std::vector<std::string> names;
  for (const ReportFigure& f : result.figures) names.push_back(f.name);
  std::vector<std::string> expected = report_figure_names();
  if (input.metrics.contains("probe")) expected.push_back("probe_layers");  // a run with hidden states
  if (names != expected) throw std::runtime_error("figures.py drew another set of figures than expected");

  const ojson& m = input.metrics;
  std::string title = "agentcoder report: " + input.run_name;
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>" + e(title) + "</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  h += "<h1>" + e(title) + "</h1>\n";
  h += run_info(input);
  const ojson* episodes = at(&m, "episodes");
  const ojson* scored = at(&m, "scored");
  if (episodes && scored && episodes->is_number() && scored->is_number() &&
      scored->get<double>() < episodes->get<double>())
    h += "<p class=\"warn\">" +
         e(count(scored) + " of " + count(episodes) + " episodes are scored; run agentcoder score on the results " +
           "file for the rest.") +
         "</p>\n";

  const std::string variants = side_by_side(m);
  const std::string sample_section = samples(m);  // empty without repeated samples
  h += "<nav><h2>Contents</h2>\n<ul>\n<li><a href=\"#headline\">Headline</a></li>\n";
  if (!variants.empty()) h += "<li><a href=\"#variants\">Variants side by side</a></li>\n";
  for (const ReportFigure& f : result.figures)
    h += "<li><a href=\"#fig-" + e(f.name) + "\">" + e(f.title) + "</a></li>\n";
  h += "<li><a href=\"#by-source\">By data source</a></li>\n"
       "<li><a href=\"#per-tool\">Per-tool precision and recall</a></li>\n"
       "<li><a href=\"#irrelevance\">Irrelevance (abstain tasks)</a></li>\n"
       "<li><a href=\"#hallucination\">Hallucinated calls</a></li>\n" +
       std::string(sample_section.empty() ? "" : "<li><a href=\"#samples\">Repeated samples</a></li>\n") +
       "<li><a href=\"#regret\">Regret and calibration</a></li>\n"
       "<li><a href=\"#necessity\">Necessity and boundaries</a></li>\n"
       "<li><a href=\"#efficiency\">Efficiency</a></li>\n"
       "<li><a href=\"#memory\">Memory per variant</a></li>\n"
       "<li><a href=\"#errors\">Errors and recovery</a></li>\n"
       "<li><a href=\"#fabrication\">Fabricated execution</a></li>\n"
       "<li><a href=\"#manifest\">Manifest</a></li>\n<li><a href=\"#config\">Config</a></li>\n</ul>\n</nav>\n";

  h += "<section id=\"headline\">\n<h2>Headline</h2>\n" + headline(m) + "</section>\n";
  h += variants;
  h += "<section id=\"figures\">\n<h2>Figures</h2>\n";
  for (size_t i = 0; i < result.figures.size(); ++i) {
    const ReportFigure& f = result.figures[i];
    h += "<figure class=\"figure\" id=\"fig-" + e(f.name) + "\">\n";
    h += inline_svg(read_file(f.svg), f.title);
    h += "<figcaption><strong>Figure " + std::to_string(i + 1) + ". " + e(f.title) + ".</strong> " + e(captions[i]) +
         " <a href=\"figures/" + e(f.name) + ".png\">PNG</a> · <a href=\"figures/" + e(f.name) +
         ".svg\">SVG</a></figcaption>\n</figure>\n";
  }
  h += "</section>\n";
  h += "<section id=\"by-source\">\n<h2>By data source</h2>\n" + by_source(m) + "</section>\n";
  h += "<section id=\"per-tool\">\n<h2>Per-tool precision and recall</h2>\n" + per_tool(m) + "</section>\n";
  h += "<section id=\"irrelevance\">\n<h2>Irrelevance (abstain tasks)</h2>\n" + irrelevance(m) + "</section>\n";
  h += "<section id=\"hallucination\">\n<h2>Hallucinated calls</h2>\n" + hallucination(m) + "</section>\n";
  if (!sample_section.empty())
    h += "<section id=\"samples\">\n<h2>Repeated samples</h2>\n" + sample_section + "</section>\n";
  h += "<section id=\"regret\">\n<h2>Regret and calibration</h2>\n" + regret_table(m) + "</section>\n";
  h += "<section id=\"necessity\">\n<h2>Necessity and boundaries</h2>\n" + necessity_table(m) + boundaries_table(m) +
       "</section>\n";
  h += "<section id=\"efficiency\">\n<h2>Efficiency</h2>\n" + efficiency(m) + "</section>\n";
  h += "<section id=\"memory\">\n<h2>Memory per variant</h2>\n" + memory(m) + "</section>\n";
  h += "<section id=\"errors\">\n<h2>Errors and recovery</h2>\n" + errors(m) + "</section>\n";
  h += "<section id=\"fabrication\">\n<h2>Fabricated execution</h2>\n" + fabrication(m) + "</section>\n";
  h += "<section id=\"manifest\">\n<h2>Manifest</h2>\n<pre>" + e(input.manifest.dump(2, ' ', false, replace)) +
       "</pre>\n</section>\n";
  h += "<section id=\"config\">\n<h2>Config</h2>\n<pre>" +
       e(input.config_text.empty() ? "(not stored)" : input.config_text) + "</pre>\n</section>\n";
  h += "<footer><p>Figures drawn with matplotlib; the numbers are in metrics.json beside this page "
       "(definitions: src/evaluation/README.md).</p></footer>\n</body>\n</html>\n";

  result.index_html = out_dir + "/index.html";
  write_file_atomically(result.index_html, h);
  return result;
}

}  // namespace agentcoder::evaluation
