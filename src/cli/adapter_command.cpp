// agentcoder adapter import|list|show: LoRA adapters trained elsewhere,
// brought in (src/adapters/README.md).
//   import PEFT_DIR --base MODEL.gguf [--name NAME] [-o OUT.gguf] [--data EXPORT.jsonl]
//          [--outtype f32|f16|bf16|q8_0] [--replace] [--registry DIR]
//   list [--registry DIR] [--json]
//   show NAME [--registry DIR] [--json]
#include <cstdio>
#include <string>

#include "adapters/importer.h"
#include "adapters/registry.h"
#include "cli/commands.h"

namespace agentcoder::cli {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ",") + i;
  return s;
}

std::string short_sha(const std::string& sha) { return sha.substr(0, 12); }

void print_record(const adapters::AdapterRecord& r) {
  std::printf("name            %s\n", r.name.c_str());
  std::printf("file            %s\n", r.path.c_str());
  std::printf("sha256          %s\n", r.sha256.c_str());
  std::printf("base model      %s (%s)\n", r.base_path.c_str(), r.base_architecture.c_str());
  std::printf("base sha256     %s\n", r.base_sha256.c_str());
  std::printf("rank            %d\n", r.rank);
  std::printf("alpha           %g\n", r.alpha);
  std::printf("target modules  %s (%d tensors)\n", join(r.target_modules).c_str(), r.tensors);
  if (r.data_path.empty()) {
    std::printf("training data   (not given)\n");
  } else {
    std::printf("training data   %s\n", r.data_path.c_str());
    std::printf("data sha256     %s\n", r.data_sha256.c_str());
  }
  std::printf("imported from   %s\n", r.peft_dir.c_str());
  std::printf("converter       %s\n", r.converter.c_str());
  std::printf("created         %s\n", r.created.c_str());
}

std::string registry_dir(const std::string& given) {
  return given.empty() ? adapters::AdapterRegistry::default_dir() : given;
}

CommandRegistrar reg("adapter", [](CLI::App& app) {
  CLI::App* adapter = app.add_subcommand("adapter", "LoRA adapters: import from PEFT, list and show the registry");
  adapter->require_subcommand(1);

  auto import = std::make_shared<adapters::ImportOptions>();
  CLI::App* imp = adapter->add_subcommand(
      "import", "Convert a PEFT LoRA directory to a GGUF adapter (llama.cpp's converter), check it fits, register it");
  imp->add_option("peft_dir", import->peft_dir, "PEFT adapter directory (adapter_config.json, adapter_model.safetensors)")
      ->required();
  imp->add_option("--base", import->base_path, "The GGUF model the adapter was trained for")->required();
  imp->add_option("--name", import->name, "Registry name (default: the directory's name)");
  imp->add_option("-o,--output", import->out_path, "Where the GGUF adapter goes (default: <registry>/<name>.gguf)");
  imp->add_option("--data", import->data_path, "The training-data export it was trained on (stored by sha256)");
  imp->add_option("--outtype", import->outtype, "Adapter tensor type: f32 (default), f16, bf16, q8_0");
  imp->add_flag("--replace", import->replace, "Overwrite a registered adapter of the same name and the output file");
  imp->add_option("--registry", import->registry_dir, "Registry directory (default: $AGENTCODER_HOME/adapters)");
  imp->callback([import] {
    adapters::AdapterRecord r = adapters::import_peft_adapter(*import);
    std::printf("imported %s: %s (rank %d, alpha %g, %d tensors, sha256 %s)\n", r.name.c_str(), r.path.c_str(), r.rank,
                r.alpha, r.tensors, short_sha(r.sha256).c_str());
  });

  struct ListArgs {
    std::string registry, name;
    bool json = false;
  };
  auto list_args = std::make_shared<ListArgs>();
  CLI::App* list = adapter->add_subcommand("list", "The registered adapters");
  list->add_option("--registry", list_args->registry, "Registry directory (default: $AGENTCODER_HOME/adapters)");
  list->add_flag("--json", list_args->json, "One JSON record per line");
  list->callback([list_args] {
    adapters::AdapterRegistry registry(registry_dir(list_args->registry));
    auto records = registry.list();
    if (list_args->json) {
      for (const auto& r : records) std::printf("%s\n", r.to_json().dump().c_str());
      return;
    }
    if (records.empty()) {
      std::printf("no adapters in %s\n", registry.dir().c_str());
      return;
    }
    std::printf("%-24s %-5s %-7s %-12s %-12s %-12s %-24s %s\n", "name", "rank", "alpha", "sha256", "base sha256",
                "data sha256", "created", "target modules");
    for (const auto& r : records)
      std::printf("%-24s %-5d %-7g %-12s %-12s %-12s %-24s %s\n", r.name.c_str(), r.rank, r.alpha,
                  short_sha(r.sha256).c_str(), short_sha(r.base_sha256).c_str(),
                  r.data_sha256.empty() ? "-" : short_sha(r.data_sha256).c_str(), r.created.c_str(),
                  join(r.target_modules).c_str());
  });

  auto show_args = std::make_shared<ListArgs>();
  CLI::App* show = adapter->add_subcommand("show", "One registered adapter's facts");
  show->add_option("name", show_args->name, "Registry name")->required();
  show->add_option("--registry", show_args->registry, "Registry directory (default: $AGENTCODER_HOME/adapters)");
  show->add_flag("--json", show_args->json, "The record as JSON");
  show->callback([show_args] {
    adapters::AdapterRecord r = adapters::AdapterRegistry(registry_dir(show_args->registry)).get(show_args->name);
    if (show_args->json) std::printf("%s\n", r.to_json().dump(2).c_str());
    else print_record(r);
  });
});

}  // namespace
}  // namespace agentcoder::cli
