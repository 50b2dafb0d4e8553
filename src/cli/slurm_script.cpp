#include "cli/slurm_script.h"

#include <regex>
#include <sstream>

#include "utils/errors.h"

namespace agentcoder::cli {
namespace {

void check(const std::string& value, const char* pattern, const std::string& option, const std::string& example) {
  if (!value.empty() && !std::regex_match(value, std::regex(pattern)))
    throw InputError(option + ": '" + value + "' is not a valid value (e.g. " + example + ")");
}

// The #SBATCH lines both jobs share.
void resources(std::ostream& s, const SlurmOptions& o, bool merge) {
  if (!o.partition.empty()) s << "#SBATCH --partition=" << o.partition << "\n";
  if (!o.time.empty()) s << "#SBATCH --time=" << o.time << "\n";
  s << "#SBATCH --ntasks=1\n";
  if (o.cpus_per_task > 0) s << "#SBATCH --cpus-per-task=" << (merge ? 1 : o.cpus_per_task) << "\n";
  if (!merge && o.gpus_per_task > 0) s << "#SBATCH --gpus-per-task=" << o.gpus_per_task << "\n";
  if (!merge && !o.mem.empty()) s << "#SBATCH --mem=" << o.mem << "\n";
}

std::string run_dir(const SlurmOptions& o) { return o.results_dir + "/" + o.run; }

}  // namespace

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void check_slurm_options(const SlurmOptions& o) {
  // Slurm's default MaxArraySize is 1001: indices 0..1000.
  if (o.shards < 1 || o.shards > 1000) throw InputError("--shards: " + std::to_string(o.shards) + " is not in 1..1000");
  check(o.partition, "[A-Za-z0-9_.,-]+", "--partition", "gpu");
  check(o.time, "[0-9]+(-[0-9]+)?(:[0-9]+){0,2}", "--time", "2:00:00 or 1-12:00:00");
  check(o.mem, "[0-9]+[KMGT]?", "--mem", "16G");
  if (o.gpus_per_task < 0) throw InputError("--gpus-per-task: must be 0 or more");
  if (o.cpus_per_task < 0) throw InputError("--cpus-per-task: must be 0 or more");
  for (const std::string* path : {&o.config, &o.results_dir, &o.workdir, &o.binary})
    if (path->find('\n') != std::string::npos) throw InputError(*path + ": a path with a newline cannot go in a script");
}

std::string array_script(const SlurmOptions& o) {
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# Run '" << o.run << "' as " << o.shards << " shards, one array task each (agentcoder slurm).\n"
    << "# A requeued or preempted task runs its shard again with --resume: the episodes it\n"
    << "# stored are kept, the rest run, and the shard is marked complete when all are stored.\n"
    << "#SBATCH --job-name=ac-" << o.run << "\n"
    << "#SBATCH --array=1-" << o.shards << "\n"
    << "#SBATCH --requeue\n"
    << "#SBATCH --open-mode=append\n"
    << "#SBATCH --output=" << run_dir(o) << "/slurm/shard-%a.log\n";
  resources(s, o, false);
  s << "set -euo pipefail\n"
    << "cd " << shell_quote(o.workdir) << "\n"
    << "echo \"shard ${SLURM_ARRAY_TASK_ID}/" << o.shards << " on $(hostname), job ${SLURM_JOB_ID}, restart "
    << "${SLURM_RESTART_COUNT:-0}\"\n"
    << "exec " << shell_quote(o.binary) << " run " << shell_quote(o.config) << " --results "
    << shell_quote(o.results_dir) << " --shard \"${SLURM_ARRAY_TASK_ID}/" << o.shards << "\" --resume"
    << (o.allow_weaker_isolation ? " --allow-weaker-isolation" : "") << "\n";
  return s.str();
}

std::string merge_script(const SlurmOptions& o) {
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# Merge the " << o.shards << " shards of '" << o.run << "' into " << run_dir(o) << "/results.sqlite;\n"
    << "# submitted with --dependency=afterok:<array job>, so it runs once every shard succeeded.\n"
    << "#SBATCH --job-name=ac-" << o.run << "-merge\n"
    << "#SBATCH --output=" << run_dir(o) << "/slurm/merge.log\n";
  resources(s, o, true);
  s << "set -euo pipefail\n"
    << "cd " << shell_quote(o.workdir) << "\n"
    << "exec " << shell_quote(o.binary) << " merge " << shell_quote(run_dir(o)) << "\n";
  return s.str();
}

}  // namespace agentcoder::cli
