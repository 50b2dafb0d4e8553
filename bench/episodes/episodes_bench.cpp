// bench/episodes: agent episodes per second on one engine at parallelism 1,
// 8 and 16 (the same 64 tasks, free mode, tool_description format, python
// and math tools in the sandbox), and prompt tokens evaluated per episode
// with and without the shared system-prompt prefix.
//
//   episodes_bench [MODEL] [--tasks FILE] [--threads N]
//
// Target: episodes/s at 8 >= 3x at 1 on 2 cores.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>

#include "agent/episode_runner.h"
#include "agent/registry_toolbox.h"
#include "data/family.h"
#include "data/generator.h"
#include "data/task_file.h"
#include "models/model.h"
#include "tools/tool_config.h"
#include "utils/errors.h"
#include "utils/paths.h"

using namespace agentcoder;

namespace {

struct Row {
  double episodes_per_s = 0;
  double prompt_tokens_per_episode = 0;
  double generated_per_episode = 0;
};

Row measure(const models::Model& model, agent::Toolbox& tools, const agent::PromptFormat& format,
            const std::vector<data::Task>& tasks, int parallel, int threads, bool share) {
  models::EngineOptions eo;
  eo.parallel = parallel;
  eo.max_prefixes = 1;
  eo.context_size = 2048 * (parallel + 1);
  eo.threads = threads;
  models::Engine engine(model, eo);
  models::ChatTemplate chat(model);
  agent::AgentOptions ao;
  ao.max_steps = 3;
  ao.max_tokens = 384;
  ao.max_tokens_per_step = 192;
  agent::EpisodeRunner runner(engine, chat, tools, ao);
  if (share) runner.share_prefix(format, Mode::free);
  std::vector<agent::EpisodeSpec> specs;
  for (const auto& t : tasks) specs.push_back({{t.id, t.prompt}, &format, Mode::free, 1});
  uint64_t generated = 0;
  std::mutex m;
  auto start = std::chrono::steady_clock::now();
  agent::run_episodes(runner, specs, parallel, [&](size_t, agent::EpisodeTrace&& trace) {
    std::lock_guard lock(m);
    for (const auto& s : trace.steps) generated += s.stats.generated_tokens;
  });
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto totals = engine.totals();
  return {specs.size() / seconds, double(totals.prompt_tokens_evaluated) / specs.size(),
          double(generated) / specs.size()};
}

}  // namespace

int run(const std::string& model_path, const std::string& tasks_path, int threads) {
  auto sandbox = std::shared_ptr<sandbox::Sandbox>(sandbox::make_sandbox());
  std::vector<data::Task> tasks;
  if (!tasks_path.empty()) {
    tasks = data::load_tasks(tasks_path).tasks;
  } else {
    data::GenerateOptions o;
    o.seed = 1;
    o.per_cell = 6;
    tasks = data::generate(data::builtin_families(), *sandbox, o);
  }
  if (tasks.size() > 64) tasks.resize(64);
  tools::ToolsConfig config;
  config.names = {"python", "math"};
  for (const char* name : {"python", "math"}) config.options[name] = {{"timeout", 5.0}, {"memory_mb", 256}, {"cpus", 0.5}};
  agent::RegistryToolbox tools(tools::make_registry(config, sandbox));
  agent::PromptFormat format = agent::load_prompt_format(AGENTCODER_PROMPTS_DIR, "tool_description");
  models::Model model({model_path});
  std::printf("model %s, %zu tasks, free mode, tool_description, %d threads\n\n", model_path.c_str(), tasks.size(),
              threads);
  std::printf("| parallel | episodes/s | vs parallel 1 | prompt tok evaluated / episode | generated tok / episode |\n");
  std::printf("|----------|------------|---------------|--------------------------------|-------------------------|\n");
  double base = 0;
  for (int p : {1, 8, 16}) {
    Row r = measure(model, tools, format, tasks, p, threads, true);
    if (p == 1) base = r.episodes_per_s;
    std::printf("| %8d | %10.3f | %13.2f | %30.1f | %23.1f |\n", p, r.episodes_per_s, r.episodes_per_s / base,
                r.prompt_tokens_per_episode, r.generated_per_episode);
  }
  Row unshared = measure(model, tools, format, tasks, 8, threads, false);
  std::printf("\nparallel 8 without the shared prefix: %.1f prompt tokens evaluated per episode\n",
              unshared.prompt_tokens_per_episode);
  return 0;
}

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);  // each row as it is measured, also into a pipe or file
  CLI::App app{"episodes_bench: agent episodes per second at parallelism 1, 8 and 16"};
  std::string model_path = default_model_path(), tasks_path;
  int threads = 2;
  app.add_option("model", model_path, "GGUF model (default: the default model)");
  app.add_option("--tasks", tasks_path, "task file (default: 64 generated tasks)");
  app.add_option("--threads", threads, "threads")->check(CLI::Range(1, 1024));
  try {
    app.parse(argc, argv);
    return run(model_path, tasks_path, threads);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "episodes_bench: %s\n", e.what());
    return 2;
  } catch (const InputError& e) {
    std::fprintf(stderr, "episodes_bench: %s\n", e.what());
    return 2;
  }
}
