// The sbatch scripts of a sharded run on Slurm (`agentcoder slurm`): a job
// array with one task per shard (`agentcoder run --shard I/N --resume`,
// requeue-safe: a requeued or preempted task resumes its shard and stores
// each episode once) and a merge job that the submitter makes depend on the
// array's success (afterok). Slurm does the scheduling, retries and
// dependencies; these are plain text.
#pragma once

#include <string>

namespace agentcoder::cli {

struct SlurmOptions {
  std::string binary;       // absolute path of agentcoder
  std::string config;       // absolute path of the config
  std::string results_dir;  // absolute; the run is <results_dir>/<run>
  std::string run;          // the config's name
  std::string workdir;      // where the jobs cd to (relative paths in the config resolve there)
  size_t shards = 1;
  std::string partition;    // empty: the cluster's default
  std::string time;         // e.g. 2:00:00; empty: the partition's default
  int gpus_per_task = 0;    // 0: none asked for
  int cpus_per_task = 0;    // 0: the cluster's default
  std::string mem;          // e.g. 16G; empty: the cluster's default
  bool allow_weaker_isolation = false;
};

// Throws InputError naming the option when a value is out of range or could
// break the script (e.g. a newline in --partition).
void check_slurm_options(const SlurmOptions& o);

std::string array_script(const SlurmOptions& o);
std::string merge_script(const SlurmOptions& o);

// Single-quoted for bash.
std::string shell_quote(const std::string& s);

}  // namespace agentcoder::cli
