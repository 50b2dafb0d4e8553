// agentcoder info MODEL: what a GGUF file holds.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/engine_flags.h"
#include "models/model.h"

namespace agentcoder::cli {
namespace {

struct InfoArgs {
  EngineFlags flags;
  bool json = false;
};

void run_info(const InfoArgs& args) {
  EngineFlags flags = args.flags;
  flags.resolve();
  flags.model.gpu_layers = 0;
  models::Model model(flags.model);
  models::ModelInfo i = model.info();
  if (args.json) {
    nlohmann::ordered_json j{{"path", i.path},
                             {"architecture", i.architecture},
                             {"name", i.name},
                             {"description", i.description},
                             {"quantization", i.quantization},
                             {"parameters", i.parameters},
                             {"file_bytes", i.file_bytes},
                             {"trained_context", i.trained_context},
                             {"layers", i.layers},
                             {"embedding", i.embedding},
                             {"vocab_size", i.vocab_size},
                             {"has_chat_template", i.has_chat_template},
                             {"template_renders_tools", i.template_renders_tools}};
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("path:             %s\n", i.path.c_str());
  std::printf("architecture:     %s\n", i.architecture.c_str());
  if (!i.name.empty()) std::printf("name:             %s\n", i.name.c_str());
  std::printf("parameters:       %.1f M\n", i.parameters / 1e6);
  std::printf("file size:        %.1f MiB\n", i.file_bytes / 1048576.0);
  std::printf("quantization:     %s\n", i.quantization.c_str());
  std::printf("trained context:  %d\n", i.trained_context);
  std::printf("layers x embd:    %d x %d, vocab %d\n", i.layers, i.embedding, i.vocab_size);
  std::printf("chat template:    %s\n", i.has_chat_template ? "yes" : "no");
  std::printf("renders tools:    %s\n",
              i.template_renders_tools ? "yes (native tool calls)" : "no (harness <tool_call> convention)");
}

CommandRegistrar reg("info", [](CLI::App& app) {
  auto args = std::make_shared<InfoArgs>();
  CLI::App* cmd = app.add_subcommand("info", "Describe a GGUF model: architecture, size, quantization, template");
  args->flags.add_model_flags(*cmd);
  cmd->add_flag("--json", args->json, "Print JSON");
  cmd->callback([args] { run_info(*args); });
});

}  // namespace
}  // namespace agentcoder::cli
