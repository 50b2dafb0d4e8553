#include "adapters/importer.h"

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <vector>

#include "adapters/adapter_fit.h"
#include "adapters/gguf_facts.h"
#include "adapters/hf_config.h"
#include "adapters/peft_config.h"
#include "build-info.h"
#include "models/llama_runtime.h"
#include "models/lora.h"
#include "models/model.h"
#include "utils/child_process.h"
#include "utils/clock.h"
#include "utils/errors.h"
#include "utils/files.h"
#include "utils/paths.h"
#include "utils/scratch_dir.h"
#include "utils/sha256.h"

extern char** environ;

namespace agentcoder::adapters {
namespace {

namespace fs = std::filesystem;

// The converter's own error line when it names one ("ERROR:lora-to-gguf:...",
// or a Python exception's last line), else the log's last line.
std::string converter_error(const std::string& log) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it)
    if (it->rfind("ERROR:", 0) == 0) return *it;
  return lines.empty() ? "no output" : lines.back();
}

// Runs the converter with stdout and stderr into `log_path` (a file, so
// neither pipe can fill and stall it); returns its exit status text, "" on success.
std::string run_converter(const std::vector<std::string>& args, const std::string& log_path) {
  // Offline: the base's config is the derived one; nothing may reach a hub.
  std::vector<std::string> env = {"HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1", "HF_DATASETS_OFFLINE=1"};
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    if (entry.rfind("HF_", 0) != 0 && entry.rfind("TRANSFORMERS_", 0) != 0) env.push_back(entry);
  }
  const int status = run_to_files(args, log_path, log_path, env);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "" : describe_wait_status(status);
}

std::string absolute(const std::string& path) { return fs::absolute(path).lexically_normal().string(); }

}  // namespace

std::string converter_script() { return std::string(AGENTCODER_LLAMA_CPP_SRC) + "/convert_lora_to_gguf.py"; }

AdapterRecord import_peft_adapter(const ImportOptions& options) {
  const PeftLora peft = read_peft_lora(options.peft_dir);
  const GgufFacts base = read_gguf_facts(options.base_path);
  const nlohmann::json hf_config = hf_config_from_gguf(base);
  if (options.outtype != "f32" && options.outtype != "f16" && options.outtype != "bf16" && options.outtype != "q8_0")
    throw InputError("--outtype '" + options.outtype + "': expected f32, f16, bf16 or q8_0");
  std::string data_sha256;
  if (!options.data_path.empty()) data_sha256 = sha256_file_hex(options.data_path);  // InputError when missing

  const AdapterRegistry registry(options.registry_dir.empty() ? AdapterRegistry::default_dir() : options.registry_dir);
  AdapterRecord record;
  fs::path peft_path = absolute(options.peft_dir);
  if (peft_path.filename().empty()) peft_path = peft_path.parent_path();  // "dir/" names "dir"
  record.name = options.name.empty() ? peft_path.filename().string() : options.name;
  if (!is_valid_name(record.name))
    throw InputError("adapter name '" + record.name +
                     "': use letters, digits, '.', '_' and '-' (not starting with '.', not ending in .gguf); "
                     "give one with --name");
  if (!options.replace && registry.find(record.name))
    throw InputError("adapter '" + record.name + "' is already in the registry " + registry.dir() +
                     " (--replace to overwrite)");
  const std::string out =
      absolute(options.out_path.empty() ? registry.dir() + "/" + record.name + ".gguf" : options.out_path);

  if (!options.replace && fs::exists(out)) throw InputError(out + ": exists (--replace to overwrite)");

  const std::string python = project_python(), script = converter_script();
  if (access(python.c_str(), X_OK) != 0)
    throw std::runtime_error("no Python environment at " + python + ": run scripts/setup.sh");
  if (!fs::exists(script)) throw std::runtime_error(script + " is missing: run scripts/setup.sh");

  ScratchDir tmp("agentcoder-adapter");
  fs::create_directories(tmp.path("base"));
  write_file_atomically(tmp.path("base/config.json"), hf_config.dump(2) + "\n");
  const std::string converted = tmp.path("adapter.gguf"), log = tmp.path("converter.log");
  // -E -s: no PYTHON* variables or user site-packages; the script's own
  // folder stays on the path (its conversion/ package and gguf-py).
  std::string failed = run_converter({python, "-E", "-s", script, "--base", tmp.path("base"), "--outfile", converted,
                                      "--outtype", options.outtype, absolute(options.peft_dir)},
                                     log);
  if (!failed.empty() || !fs::exists(converted))
    throw InputError(options.peft_dir + ": llama.cpp's convert_lora_to_gguf.py failed (" +
                     (failed.empty() ? "no output file" : failed) + "): " + converter_error(read_file(log)));

  GgufFacts converted_facts = read_gguf_facts(converted);
  converted_facts.path = options.peft_dir;  // messages name what the user gave, not the temporary file
  const AdapterFit fit = check_adapter_fits(converted_facts, base);
  {
    models::ensure_llama_backend();
    models::ModelOptions model_options;
    model_options.path = options.base_path;
    models::Model model(model_options);
    try {
      models::LoraAdapter loaded(model, converted);  // llama.cpp's own check
    } catch (const InputError&) {
      throw InputError(options.peft_dir + ": llama.cpp does not load the converted adapter against " +
                       options.base_path);
    }
  }

  record.sha256 = sha256_file_hex(converted);
  record.base_path = absolute(options.base_path);
  record.base_sha256 = sha256_file_hex(options.base_path);
  record.base_architecture = fit.architecture;
  record.rank = fit.rank;
  record.alpha = fit.alpha;
  record.target_modules = peft.target_modules;
  record.tensors = static_cast<int>(fit.base_tensors.size());
  if (!options.data_path.empty()) {
    record.data_path = absolute(options.data_path);
    record.data_sha256 = data_sha256;
  }
  record.peft_dir = absolute(options.peft_dir);
  record.converter = "llama.cpp " + std::string(llama_commit()) + " convert_lora_to_gguf.py (" + options.outtype + ")";
  record.created = utc_now();
  record.path = out;
  if (fit.rank != peft.rank)
    throw InputError(options.peft_dir + ": adapter_config.json says r = " + std::to_string(peft.rank) +
                     " but the weights have rank " + std::to_string(fit.rank));

  std::error_code ec;
  fs::create_directories(fs::path(out).parent_path(), ec);
  if (ec) throw InputError(out + ": cannot create its directory: " + ec.message());
  // Copy beside the target, then rename: a reader never sees half an adapter.
  const std::string partial = out + ".partial";
  fs::copy_file(converted, partial, fs::copy_options::overwrite_existing, ec);
  if (ec) throw InputError(out + ": cannot be written: " + ec.message());
  fs::rename(partial, out);
  registry.add(record, options.replace);
  return record;
}

}  // namespace agentcoder::adapters
