// agentcoder data {validate,generate,verify,stats,import,families}: the
// benchmark's task files (src/data/).
#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "data/data_card.h"
#include "data/family.h"
#include "data/generator.h"
#include "data/mapping.h"
#include "data/task_file.h"
#include "data/verifier.h"
#include "sandbox/sandbox.h"
#include "utils/errors.h"
#include "utils/sha256.h"
#include "utils/clock.h"

namespace agentcoder::cli {
namespace {

using namespace agentcoder::data;

struct DataArgs {
  std::string file;
  std::string output = "data/synthetic/tasks.jsonl";
  std::string families_dir;
  std::string mapping;
  uint64_t seed = 1;
  int per_cell = 50;
  int jobs = 2;
  bool strict = false;
  bool allow_weaker_isolation = false;
};

std::vector<Family> families_for(const DataArgs& a) {
  return a.families_dir.empty() ? builtin_families() : load_families(a.families_dir);
}

// Verification also runs public data sets' solutions, which are third-party
// code: like every sandbox use, fail closed where the host lacks a
// protection, unless --allow-weaker-isolation says otherwise.
std::unique_ptr<sandbox::Sandbox> sandbox_for(const DataArgs& a) {
  sandbox::SandboxOptions options;
  options.allow_weaker_isolation = a.allow_weaker_isolation;
  return sandbox::make_sandbox(options);
}

void print_issues(const std::vector<Issue>& issues, size_t limit = 50) {
  for (size_t i = 0; i < issues.size() && i < limit; ++i) std::fprintf(stderr, "%s\n", issues[i].to_string().c_str());
  if (issues.size() > limit) std::fprintf(stderr, "... and %zu more\n", issues.size() - limit);
}

void print_warnings(const std::vector<Issue>& warnings) {
  for (const auto& w : warnings) std::fprintf(stderr, "warning: %s\n", w.to_string().c_str());
}

void run_validate(const DataArgs& a) {
  LoadResult r = load_tasks(a.file, a.strict);
  print_warnings(r.warnings);
  print_issues(r.issues, SIZE_MAX);
  std::printf("%s: %zu tasks valid, %d bad lines\n", a.file.c_str(), r.tasks.size(), r.bad_lines);
  if (r.bad_lines > 0)
    throw InputError(a.file + ": " + std::to_string(r.bad_lines) + " bad line(s); first: " + r.issues.front().to_string());
}

void run_generate(const DataArgs& a) {
  auto start = std::chrono::steady_clock::now();
  std::vector<Family> families = families_for(a);
  auto sandbox = sandbox_for(a);
  GenerateOptions options;
  options.seed = a.seed;
  options.per_cell = a.per_cell;
  options.jobs = a.jobs;
  GenerateReport report;
  std::vector<Task> tasks;
  try {
    tasks = generate(families, *sandbox, options, &report);
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    // What the generator refuses comes from the family files (a parameter, a
    // reference that fails or returns the wrong shape): for --families the
    // user's input. The built-in families are code; their tests run them.
    if (a.families_dir.empty()) throw;
    throw InputError(e.what());
  }
  write_tasks(a.output, tasks);
  for (const auto& s : report.short_cells) std::fprintf(stderr, "warning: short cell %s\n", s.c_str());
  std::printf("wrote %zu tasks from %zu families to %s (%d candidates run, %d duplicates dropped) in %.1f s\n",
              tasks.size(), families.size(), a.output.c_str(), report.candidates, report.duplicates,
              seconds_since(start));
}

void run_verify(const DataArgs& a) {
  auto start = std::chrono::steady_clock::now();
  LoadResult r = load_tasks(a.file, a.strict);
  print_warnings(r.warnings);
  print_issues(r.issues);
  std::vector<Family> families = families_for(a);
  auto sandbox = sandbox_for(a);
  VerifyReport v = verify_tasks(r.tasks, r.lines, a.file, families, *sandbox, a.jobs);
  print_issues(v.problems);
  std::printf("%s: %d checked, %d re-verified, %zu problems, %d without executable ground truth, in %.1f s\n",
              a.file.c_str(), v.checked, v.passed, v.problems.size(), v.skipped, seconds_since(start));
  // A problem is the task file's (a ground truth or solution that does not check out).
  if (!v.problems.empty())
    throw InputError(a.file + ": " + std::to_string(v.problems.size()) + " problem(s); first: " +
                     v.problems.front().to_string());
  if (r.bad_lines > 0) throw InputError(r.issues.front().to_string());
}

void run_stats(const DataArgs& a) {
  LoadResult r = load_tasks(a.file, a.strict);
  print_warnings(r.warnings);
  print_issues(r.issues);
  std::printf("%s", data_card(a.file, agentcoder::sha256_file_hex(a.file), r.tasks, r.bad_lines).c_str());
}

void run_import(const DataArgs& a) {
  Mapping mapping = load_mapping(a.mapping);
  ImportResult r = import_file(mapping, a.file);
  print_issues(r.issues);
  write_tasks(a.output, r.tasks);
  std::printf("imported %zu of %d records from %s with mapping '%s' to %s (%d filtered out, %d refused, %zu issues)\n",
              r.tasks.size(), r.records, a.file.c_str(), mapping.name.c_str(), a.output.c_str(), r.filtered,
              r.refused_total(), r.issues.size());
  for (const auto& [reason, count] : r.refused) std::printf("  refused %d: %s\n", count, reason.c_str());
  // The good records are written first, so nothing is lost; the exit code
  // still tells a script that some records were refused.
  if (!r.issues.empty())
    throw InputError(std::to_string(r.issues.size()) + " record(s) refused; first: " + r.issues.front().to_string());
}

void run_families(const DataArgs& a) {
  for (const auto& f : families_for(a)) {
    std::printf("%-34s %-19s %-20s %-7s %-12s %-5s %s\n", f.id.c_str(), to_string(f.category).c_str(),
                f.kind.c_str(), f.optimal_tool.c_str(), to_string(f.check).c_str(), f.split.c_str(), f.trap.c_str());
    for (Difficulty d : kDifficulties)
      std::printf("    %-13s %s\n", (to_string(d) + ":").c_str(), f.level(d).meaning.c_str());
  }
}

CommandRegistrar reg("data", [](CLI::App& app) {
  auto a = std::make_shared<DataArgs>();
  CLI::App* data = app.add_subcommand("data", "Task files: validate, generate, verify, stats, import");
  data->require_subcommand(1);

  CLI::App* validate = data->add_subcommand("validate", "Report every bad line (file, line, field)");
  validate->add_option("file", a->file, "JSONL task file")->required();
  validate->add_flag("--strict", a->strict, "Stop at the first bad line");
  validate->callback([a] { run_validate(*a); });

  CLI::App* generate = data->add_subcommand("generate", "Generate the synthetic benchmark (ground truth by execution)");
  generate->add_option("--seed", a->seed, "Random seed")->capture_default_str();
  generate->add_option("--per-cell", a->per_cell, "Tasks per category x difficulty cell")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  generate->add_option("-o,--output", a->output, "Output JSONL")->capture_default_str();
  generate->add_option("--families", a->families_dir, "Directory of family TOML files (default: built in)");
  generate->add_option("-j,--jobs", a->jobs, "Parallel sandbox runs")->capture_default_str();
  generate->add_flag("--allow-weaker-isolation", a->allow_weaker_isolation,
                     "Run even where the host lacks a sandbox protection (results say which)");
  generate->callback([a] { run_generate(*a); });

  CLI::App* verify = data->add_subcommand("verify", "Re-run every reference solution and compare the ground truth");
  verify->add_option("file", a->file, "JSONL task file")->required();
  verify->add_option("--families", a->families_dir, "Directory of family TOML files (default: built in)");
  verify->add_option("-j,--jobs", a->jobs, "Parallel sandbox runs")->capture_default_str();
  verify->add_flag("--strict", a->strict, "Stop at the first bad line");
  verify->add_flag("--allow-weaker-isolation", a->allow_weaker_isolation,
                   "Run even where the host lacks a sandbox protection (results say which)");
  verify->callback([a] { run_verify(*a); });

  CLI::App* stats = data->add_subcommand("stats", "Print the data card");
  stats->add_option("file", a->file, "JSONL task file")->required();
  stats->callback([a] { run_stats(*a); });

  CLI::App* import = data->add_subcommand("import", "Import a public data set through a field mapping");
  import->add_option("--mapping", a->mapping, "Built-in mapping name or a mapping TOML file")->required();
  import->add_option("input", a->file, "Source file (JSON Lines)")->required();
  import->add_option("-o,--output", a->output, "Output JSONL")->required();
  import->callback([a] { run_import(*a); });

  CLI::App* families = data->add_subcommand("families", "List the families and what each level means");
  families->add_option("--families", a->families_dir, "Directory of family TOML files (default: built in)");
  families->callback([a] { run_families(*a); });
});

}  // namespace
}  // namespace agentcoder::cli
