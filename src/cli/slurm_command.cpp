// agentcoder slurm CONFIG --shards N [...] [--dry-run | --submit]: writes
// the sbatch scripts of a sharded run into results/<name>/slurm/
// (slurm_script.h) and prints them with the commands that submit them; with
// --submit it runs those commands (sbatch --parsable, the merge job with
// --dependency=afterok:<array>) and prints the job ids and how to watch them.
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "cli/slurm_script.h"
#include "experiment/run_config.h"
#include "utils/errors.h"
#include "utils/files.h"

namespace agentcoder::cli {
namespace {

namespace fs = std::filesystem;

struct SlurmArgs {
  std::string config;
  std::string results_dir = "results";
  SlurmOptions slurm;
  bool dry_run = false;
  bool submit = false;
};

std::string self_path() {
  std::array<char, 4096> buf{};
  ssize_t n = readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) throw std::runtime_error("cannot read /proc/self/exe");
  return std::string(buf.data(), static_cast<size_t>(n));
}

// sbatch --parsable prints "<job id>[;<cluster>]".
std::string sbatch(const std::string& args) {
  const std::string cmd = "sbatch --parsable " + args + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot run sbatch");
  std::string out;
  std::array<char, 512> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe.get())) > 0) out.append(buf.data(), n);
  int status = pclose(pipe.release());
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (status != 0) throw std::runtime_error("sbatch " + args + " failed: " + out);
  std::string id = out.substr(0, out.find(';'));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    throw std::runtime_error("sbatch " + args + ": not a job id: " + out);
  return id;
}

void slurm_command(SlurmArgs& args) {
  if (args.dry_run && args.submit) throw InputError("--dry-run and --submit: choose one");
  experiment::RunConfig config = experiment::load_run_config(args.config);
  SlurmOptions& o = args.slurm;
  o.binary = self_path();
  o.config = fs::absolute(args.config).lexically_normal().string();
  o.results_dir = fs::absolute(args.results_dir).lexically_normal().string();
  o.workdir = fs::current_path().string();
  o.run = config.name;
  check_slurm_options(o);
  // N shards generating one task file at once would race for it.
  if (!fs::exists(config.tasks))
    throw InputError(config.tasks + ": no task file yet (data.tasks); make it once before the shards start: "
                     "agentcoder plan " + args.config);

  const std::string dir = o.results_dir + "/" + o.run + "/slurm";
  fs::create_directories(dir);
  const std::string array_path = dir + "/array.sbatch", merge_path = dir + "/merge.sbatch";
  write_file_atomically(array_path, array_script(o));
  write_file_atomically(merge_path, merge_script(o));

  if (!args.submit) {
    std::printf("# %s\n%s\n# %s\n%s\n", array_path.c_str(), array_script(o).c_str(), merge_path.c_str(),
                merge_script(o).c_str());
    std::printf("# submit with (or run this command again with --submit):\n"
                "array=$(sbatch --parsable %s)\n"
                "sbatch --parsable --dependency=afterok:${array%%%%;*} %s\n",
                shell_quote(array_path).c_str(), shell_quote(merge_path).c_str());
    return;
  }
  const std::string array_id = sbatch(shell_quote(array_path));
  const std::string merge_id = sbatch("--dependency=afterok:" + array_id + " " + shell_quote(merge_path));
  std::printf("array job %s: shards 1-%zu of '%s'\n", array_id.c_str(), o.shards, o.run.c_str());
  std::printf("merge job %s: runs after every shard succeeded (afterok:%s)\n", merge_id.c_str(), array_id.c_str());
  std::printf("watch:   squeue -j %s,%s\n", array_id.c_str(), merge_id.c_str());
  std::printf("history: sacct -j %s,%s --format=JobID,State,Elapsed,ExitCode\n", array_id.c_str(), merge_id.c_str());
  std::printf("logs:    %s/shard-<I>.log, %s/merge.log\n", dir.c_str(), dir.c_str());
  std::printf("requeue a shard: scontrol requeue %s_<I> (it resumes)\n", array_id.c_str());
}

CommandRegistrar reg("slurm", [](CLI::App& app) {
  auto args = std::make_shared<SlurmArgs>();
  CLI::App* cmd = app.add_subcommand("slurm", "Write (and with --submit submit) a Slurm job array that runs a "
                                              "config as N shards, and a merge job after them");
  cmd->add_option("config", args->config, "Experiment config (TOML)")->required();
  cmd->add_option("--shards", args->slurm.shards, "Number of shards (array tasks)")->required();
  cmd->add_option("--results", args->results_dir, "Directory of run results")->capture_default_str();
  cmd->add_option("--partition", args->slurm.partition, "Slurm partition");
  cmd->add_option("--time", args->slurm.time, "Time limit of each shard (e.g. 2:00:00)");
  cmd->add_option("--gpus-per-task", args->slurm.gpus_per_task, "GPUs for each shard");
  cmd->add_option("--cpus-per-task", args->slurm.cpus_per_task, "CPUs for each shard");
  cmd->add_option("--mem", args->slurm.mem, "Memory for each shard (e.g. 16G)");
  cmd->add_flag("--allow-weaker-isolation", args->slurm.allow_weaker_isolation,
                "Pass --allow-weaker-isolation to each shard's run");
  cmd->add_flag("--dry-run", args->dry_run, "Write and print the scripts, submit nothing (the default)");
  cmd->add_flag("--submit", args->submit, "Submit the array and the merge job with sbatch");
  cmd->callback([args] { slurm_command(*args); });
});

}  // namespace
}  // namespace agentcoder::cli
