// agentcoder trace show RUN [EPISODE] | trace export RUN [-o FILE] |
// trace diff RUN_A RUN_B: read a results file (or a results/<run>/
// directory) back as a table of episodes, one episode's readable trace, or
// JSONL; or check that two runs gave the same episodes (exit 1 unless both
// hold the same episodes, all identical).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>

#include "cli/commands.h"
#include "store/results_path.h"
#include "store/episode_diff.h"
#include "store/results_store.h"
#include "store/trace_text.h"
#include "utils/errors.h"
#include "utils/files.h"
#include "utils/vocabulary.h"

namespace agentcoder::cli {
namespace {

struct TraceArgs {
  std::string results;
  std::string episode;
  std::string run;     // --run: needed when the file holds several runs
  std::string output;  // export: -o FILE ("" = stdout)
  std::string other, other_run;  // diff: the second results file and its run
  size_t limit = 10;             // diff: differing episodes to show
  // show, table only: keep episodes whose field equals the value ("" = any).
  std::string mode, stop_reason, decision, variant, task;
};

// The spellings of a vocabulary's values, for an option that filters by one:
// a misspelled filter is refused instead of showing no episode.
template <typename Values>
std::vector<std::string> spellings(const Values& values) {
  std::vector<std::string> out;
  for (auto v : values) out.push_back(to_string(v));
  return out;
}

bool keep(const TraceArgs& args, const store::EpisodeRecord& r) {
  auto matches = [](const std::string& wanted, const std::string& value) { return wanted.empty() || wanted == value; };
  return matches(args.mode, r.key.mode) && matches(args.stop_reason, r.stop_reason) &&
         matches(args.decision, r.first_decision) && matches(args.variant, r.variant) &&
         matches(args.task, r.key.task_id);
}

void run_show(const TraceArgs& args) {
  store::ResultsStore results(store::resolve_results_file(args.results), store::Access::read_only);
  store::StoredRun run = results.pick_run(args.run);
  if (args.episode.empty()) {
    std::vector<store::StoredEpisode> episodes = results.list_episodes(run.run_id);
    std::erase_if(episodes, [&](const store::StoredEpisode& e) { return !keep(args, e.record); });
    store::print_episode_table(std::cout, run, episodes);
    return;
  }
  // Ids are lowercase hex; accept a prefix copied in capitals too.
  std::string prefix = args.episode;
  std::transform(prefix.begin(), prefix.end(), prefix.begin(), [](unsigned char c) { return std::tolower(c); });
  std::vector<std::string> keys = results.keys_with_prefix(run.run_id, prefix, 4);
  if (keys.empty())
    throw InputError(results.path() + ": run '" + run.record.name + "': no episode starting with '" + args.episode +
                     "'");
  if (keys.size() > 1) {
    std::string shown;
    for (const std::string& k : keys) shown += (shown.empty() ? "" : ", ") + k.substr(0, 16);
    throw InputError(results.path() + ": run '" + run.record.name + "': episode '" + args.episode +
                     "' is ambiguous (" + shown + (keys.size() >= 4 ? ", ..." : "") + "); give more digits");
  }
  std::optional<store::StoredEpisode> episode = results.get_episode(run.run_id, keys.front());
  store::print_episode_trace(std::cout, run, *episode);
}

void run_export(const TraceArgs& args) {
  store::ResultsStore results(store::resolve_results_file(args.results), store::Access::read_only);
  store::StoredRun run = results.pick_run(args.run);
  if (args.output.empty()) {
    results.export_jsonl(run.run_id, std::cout);
    return;
  }
  int64_t count = 0;
  write_file_atomically(args.output, [&](std::ostream& out) { count = results.export_jsonl(run.run_id, out); });
  std::fprintf(stderr, "%lld episodes -> %s\n", static_cast<long long>(count), args.output.c_str());
}

// Episodes are matched by identity (EpisodeKey), so runs of one config at
// another parallelism or on another machine compare episode by episode.
void run_diff(const TraceArgs& args) {
  store::ResultsStore a(store::resolve_results_file(args.results), store::Access::read_only);
  store::ResultsStore b(store::resolve_results_file(args.other), store::Access::read_only);
  store::StoredRun run_a = a.pick_run(args.run);
  store::StoredRun run_b = b.pick_run(args.other_run.empty() ? args.run : args.other_run);
  std::set<std::string> keys_a = a.completed_keys(run_a.run_id);
  std::set<std::string> keys_b = b.completed_keys(run_b.run_id);
  std::cout << "A: " << a.path() << ", run '" << run_a.record.name << "', " << keys_a.size() << " episodes\n"
            << "B: " << b.path() << ", run '" << run_b.record.name << "', " << keys_b.size() << " episodes\n";
  size_t shared = 0, differ = 0;
  for (const std::string& key : keys_a) {
    if (!keys_b.count(key)) continue;
    ++shared;
    std::optional<store::StoredEpisode> ea = a.get_episode(run_a.run_id, key);
    std::optional<store::StoredEpisode> eb = b.get_episode(run_b.run_id, key);
    std::optional<store::EpisodeDifference> d = store::first_difference(ea->record, eb->record);
    if (!d) continue;
    if (++differ > args.limit) continue;
    const store::EpisodeRecord& r = ea->record;
    std::cout << key.substr(0, 16) << "  " << r.key.task_id << "  " << r.variant << "/" << r.key.prompt_format << "/"
              << r.key.mode << "  " << store::describe(*d) << "\n  A: " << d->a << "\n  B: " << d->b << "\n";
  }
  if (differ > args.limit) std::cout << "(" << differ - args.limit << " more differ; --limit to show them)\n";
  std::cout << shared << " shared: " << shared - differ << " identical, " << differ << " differ; "
            << keys_a.size() - shared << " only in A, " << keys_b.size() - shared << " only in B\n";
  // A reproduction must have the same episodes, all identical.
  if (shared == 0) throw std::runtime_error("the runs have no episode in common (another config?)");
  if (differ > 0 || shared != keys_a.size() || shared != keys_b.size())
    throw std::runtime_error("the runs differ: " + std::to_string(differ) + " of " + std::to_string(shared) +
                             " shared episodes, " + std::to_string(keys_a.size() - shared + keys_b.size() - shared) +
                             " in one run only");
}

CommandRegistrar reg("trace", [](CLI::App& app) {
  CLI::App* trace = app.add_subcommand("trace", "Read a run's results: episode table, readable traces, JSONL");
  trace->require_subcommand(1);

  auto show_args = std::make_shared<TraceArgs>();
  CLI::App* show = trace->add_subcommand("show", "List a run's episodes, or print one episode's trace");
  show->add_option("RUN", show_args->results, "results.sqlite, or a results/<run>/ directory")->required();
  show->add_option("EPISODE", show_args->episode, "An episode id, or a prefix of it");
  show->add_option("--run", show_args->run, "Run name, when the file holds several");
  show->add_option("--mode", show_args->mode, "Only episodes in this mode")->check(CLI::IsMember(spellings(kModes)));
  show->add_option("--stop-reason", show_args->stop_reason, "Only episodes that ended so")
      ->check(CLI::IsMember(spellings(kStopReasons)));
  show->add_option("--decision", show_args->decision, "Only episodes whose first reply was this")
      ->check(CLI::IsMember(spellings(kReplyKinds)));
  show->add_option("--variant", show_args->variant, "Only episodes of this model variant");
  show->add_option("--task", show_args->task, "Only episodes of this task id");
  show->callback([show_args] { run_show(*show_args); });

  auto export_args = std::make_shared<TraceArgs>();
  CLI::App* exp = trace->add_subcommand("export", "Write a run's episodes as JSONL, one a line");
  exp->add_option("RUN", export_args->results, "results.sqlite, or a results/<run>/ directory")->required();
  exp->add_option("-o,--output", export_args->output, "Output file (default: stdout)");
  exp->add_option("--run", export_args->run, "Run name, when the file holds several");
  exp->callback([export_args] { run_export(*export_args); });

  auto diff_args = std::make_shared<TraceArgs>();
  CLI::App* diff = trace->add_subcommand(
      "diff", "Check that two runs gave the same episodes: model text, tool calls and results, step by step");
  diff->add_option("RUN_A", diff_args->results, "results.sqlite, or a results/<run>/ directory")->required();
  diff->add_option("RUN_B", diff_args->other, "the run to compare with")->required();
  diff->add_option("--run", diff_args->run, "Run name in A (and in B, unless --run-b), when a file holds several");
  diff->add_option("--run-b", diff_args->other_run, "Run name in B");
  diff->add_option("--limit", diff_args->limit, "Differing episodes to show (default 10)");
  diff->callback([diff_args] { run_diff(*diff_args); });
});

}  // namespace
}  // namespace agentcoder::cli
