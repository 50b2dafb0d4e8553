// agentcoder quantize IN OUT TYPE: re-quantize a GGUF model.
#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "models/quantize.h"

namespace agentcoder::cli {
namespace {

struct QuantizeArgs {
  std::string input, output, type;
  int threads = 0;
};

CommandRegistrar reg("quantize", [](CLI::App& app) {
  auto args = std::make_shared<QuantizeArgs>();
  CLI::App* cmd = app.add_subcommand("quantize", "Quantize a GGUF model to another type (Q8_0, Q4_K_M, ...)");
  cmd->add_option("input", args->input, "Input GGUF")->required();
  cmd->add_option("output", args->output, "Output GGUF")->required();
  std::string types;
  for (const auto& t : models::quantization_types()) types += (types.empty() ? "" : ", ") + t;
  cmd->add_option("type", args->type, "Target type: " + types)->required();
  cmd->add_option("--threads", args->threads, "Threads (0 = all cores)");
  cmd->callback([args] {
    models::quantize(args->input, args->output, args->type, args->threads);
    std::printf("%s -> %s (%s, %.1f MiB)\n", args->input.c_str(), args->output.c_str(), args->type.c_str(),
                std::filesystem::file_size(args->output) / 1048576.0);
  });
});

}  // namespace
}  // namespace agentcoder::cli
