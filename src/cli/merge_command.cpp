// agentcoder merge RUN_DIR | SHARD... [-o OUT]: joins the shards of a run
// (`agentcoder run --shard I/N`) into one results file, after checking that
// all are present, complete and from the same config and build
// (experiment/shard_merge.h). A missing or incomplete shard is one line
// naming it, exit 2, and nothing written.
#include <cstdio>

#include "cli/commands.h"
#include "experiment/shard_merge.h"

namespace agentcoder::cli {
namespace {

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string out;
};

CommandRegistrar reg("merge", [](CLI::App& app) {
  auto args = std::make_shared<MergeArgs>();
  CLI::App* cmd = app.add_subcommand("merge", "Merge the shards of a run (results/<name>) into one results file");
  cmd->add_option("inputs", args->inputs, "The run directory (with shards/), or its shard directories or files")
      ->required();
  cmd->add_option("-o,--out", args->out, "Results file to write (default: <run>/results.sqlite)");
  cmd->callback([args] {
    experiment::MergeSummary s = experiment::merge_shards(args->inputs, args->out);
    std::printf("merged %zu shards, %zu episodes: %s\n", s.shards, s.episodes, s.out.c_str());
  });
});

}  // namespace
}  // namespace agentcoder::cli
