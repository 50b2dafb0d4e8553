// load_run_config on configs written by the test and on every shipped config:
// what it refuses (unknown keys, wrong types, with file:line, section and
// key) and what it accepts.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adapters/registry.h"

#include "experiment/run_config.h"
#include "support/temp_dir.h"
#include "utils/errors.h"

namespace {

using namespace agentcoder;
using agentcoder::testing::TempDir;

// A complete, valid config; `agent_extra` is appended to its [agent] section
// (line 9 onwards).
std::string config_text(const std::string& agent_extra = "") {
  return "name = \"t\"\n"                 // 1
         "[data]\n"                       // 2
         "tasks = \"tasks.jsonl\"\n"      // 3
         "[[models]]\n"                   // 4
         "path = \"model.gguf\"\n"        // 5
         "[agent]\n"                      // 6
         "formats = [\"direct\"]\n"       // 7
         "modes = [\"free\"]\n" +         // 8
         agent_extra +
         "[engine]\n"
         "parallel = 2\n";
}

// The InputError message load_run_config throws on `text`, or "" when it loads.
std::string load_error(const TempDir& dir, const std::string& text) {
  std::string file = dir.write("c.toml", text);
  try {
    experiment::load_run_config(file);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(RunConfig, ValidConfigLoads) {
  TempDir dir;
  experiment::RunConfig c = experiment::load_run_config(dir.write("c.toml", config_text("max_tokens = 64\n")));
  EXPECT_EQ(c.name, "t");
  EXPECT_EQ(c.max_tokens, 64);
  EXPECT_EQ(c.parallel, 2);
  ASSERT_EQ(c.models.size(), 1u);
  EXPECT_EQ(c.models[0].name, "model.gguf") << "a variant without a name is labelled by its path as written";
}

// Repeated samples need sampling: greedy decoding repeats one episode K times.
TEST(RunConfig, SamplesNeedATemperature) {
  TempDir dir;
  const std::string f = dir.path("c.toml");
  EXPECT_EQ(load_error(dir, "samples = 4\n" + config_text()),
            f + ":1: samples: 4 samples need [agent] temperature > 0 (greedy decoding repeats one episode)");
  EXPECT_EQ(load_error(dir, "samples = 0\n" + config_text()), f + ":1: samples: must be between 1 and 100000");
  experiment::RunConfig c =
      experiment::load_run_config(dir.write("c.toml", "samples = 4\n" + config_text("temperature = 0.7\n")));
  EXPECT_EQ(c.samples, 4);
  EXPECT_EQ(experiment::load_run_config(dir.write("c.toml", config_text())).samples, 1);
}

TEST(RunConfig, UnknownKeyNamesLineSectionAndKey) {
  TempDir dir;
  std::string e = load_error(dir, config_text("max_token = 64\n"));
  EXPECT_EQ(e.rfind(dir.path("c.toml") + ":9: [agent] max_token: unknown key", 0), 0u) << e;
  EXPECT_NE(e.find("max_tokens"), std::string::npos) << "the known keys are listed: " << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

TEST(RunConfig, UnknownKeyAtTopLevelInModelsAndUnknownSection) {
  TempDir dir;
  EXPECT_NE(load_error(dir, "seeds = 3\n" + config_text()).find("c.toml:1: seeds: unknown key"), std::string::npos);
  std::string text = config_text();
  text.replace(text.find("path ="), 0, "quantise = \"Q8_0\"\n");
  EXPECT_NE(load_error(dir, text).find("c.toml:5: [[models]] quantise: unknown key"), std::string::npos)
      << load_error(dir, text);
  EXPECT_NE(load_error(dir, config_text() + "[sandbx]\ntimeout = 1.0\n").find("c.toml:11: sandbx: unknown key"),
            std::string::npos)
      << load_error(dir, config_text() + "[sandbx]\ntimeout = 1.0\n");
}

TEST(RunConfig, WrongTypesAreRefused) {
  TempDir dir;
  std::string e = load_error(dir, config_text("max_tokens = \"64\"\n"));
  EXPECT_NE(e.find("c.toml:9: [agent] max_tokens: expected an integer, got a string"), std::string::npos) << e;
  e = load_error(dir, config_text("max_tokens = 64.5\n"));
  EXPECT_NE(e.find("c.toml:9: [agent] max_tokens: expected an integer"), std::string::npos) << e;
  e = load_error(dir, config_text("temperature = \"hot\"\n"));
  EXPECT_NE(e.find("c.toml:9: [agent] temperature: expected a number"), std::string::npos) << e;
  e = load_error(dir, config_text("fenced_code_is_call = 1\n"));
  EXPECT_NE(e.find("c.toml:9: [agent] fenced_code_is_call: expected true or false"), std::string::npos) << e;
  e = load_error(dir, config_text("tools = \"python\"\n"));
  EXPECT_NE(e.find("c.toml:9: [agent] tools: expected an array of strings"), std::string::npos) << e;
  e = load_error(dir, config_text("max_steps = 5000000000\n"));
  EXPECT_NE(e.find("c.toml:9: [agent] max_steps: too large"), std::string::npos) << e;
  std::string text = "engine = 3\n" + config_text();
  text.erase(text.find("[engine]"));
  e = load_error(dir, text);
  EXPECT_NE(e.find("c.toml:1: engine: expected a table [engine], got an integer"), std::string::npos) << e;
}

TEST(RunConfig, OutOfRangeValuesAreRefused) {
  TempDir dir;
  std::string e = load_error(dir, config_text("temperature = -1.0\n"));
  EXPECT_NE(e.find("c.toml:9: [agent] temperature: must be between 0 and 100"), std::string::npos) << e;
  e = load_error(dir, config_text("force_tool_prefill = \"json\"\n"));
  EXPECT_NE(e.find("c.toml:9: [agent] force_tool_prefill: unknown form 'json' (auto, call_opener, fenced_code)"),
            std::string::npos)
      << e;
  e = load_error(dir, config_text("max_tokens_per_step = 0\n"));
  EXPECT_NE(e.find("c.toml:9: [agent] max_tokens_per_step: must be between 1 and 1048576"), std::string::npos) << e;
  e = load_error(dir, config_text() + "[sandbox]\ntimeout = -1.0\n");
  EXPECT_NE(e.find("c.toml:12: [sandbox] timeout: must be between 0.001 and 86400"), std::string::npos) << e;
  e = load_error(dir, config_text() + "[sandbox]\ncpus = nan\n");
  EXPECT_NE(e.find("c.toml:12: [sandbox] cpus: must be between 0.01 and 1024"), std::string::npos) << e;
  e = load_error(dir, config_text() + "[sandbox]\nmemory_mb = 0\n");
  EXPECT_NE(e.find("c.toml:12: [sandbox] memory_mb: must be between 16 and 1048576"), std::string::npos) << e;
}

// Values that once crashed a run, wrapped or wrote outside --results: each
// is refused at load with the file, line, section and key.
TEST(RunConfig, HostileValuesAreRefusedWithThePlace) {
  TempDir dir;
  const std::string f = dir.path("c.toml");
  std::string e = load_error(dir, config_text() + "threads = 100000\n");
  EXPECT_EQ(e, f + ":11: [engine] threads: must be between 0 and 1024");
  e = load_error(dir, config_text("temperature = nan\n"));
  EXPECT_EQ(e, f + ":9: [agent] temperature: must be between 0 and 100");
  e = load_error(dir, config_text("temperature = inf\n"));
  EXPECT_EQ(e, f + ":9: [agent] temperature: must be between 0 and 100");
  e = load_error(dir, config_text("max_steps = 4294967297\n"));
  EXPECT_NE(e.find(":9: [agent] max_steps: too large"), std::string::npos) << e;
  e = load_error(dir, config_text("max_steps = 100000\n"));
  EXPECT_EQ(e, f + ":9: [agent] max_steps: must be between 1 and 1000");
  e = load_error(dir, config_text() + "[sandbox]\nmemory_mb = 1\n");
  EXPECT_EQ(e, f + ":12: [sandbox] memory_mb: must be between 16 and 1048576");
  e = load_error(dir, config_text() + "[sandbox]\ntimeout = 1e300\n");
  EXPECT_EQ(e, f + ":12: [sandbox] timeout: must be between 0.001 and 86400");
  std::string text = config_text();
  for (const char* name : {"..", ".", "../x", "a/b"}) {
    text.replace(0, text.find('\n'), std::string("name = \"") + name + "\"");
    EXPECT_EQ(load_error(dir, text), f + ":1: name: must be a plain file name (no '/', not '.' or '..')") << name;
  }
  text.replace(0, text.find('\n'), "name = \"a\\u0000b\"");
  EXPECT_EQ(load_error(dir, text), f + ":1: name: must not contain a NUL character");
  e = load_error(dir, config_text("tools = [\"python\", \"x\\u0000\"]\n"));
  EXPECT_EQ(e, f + ":9: [agent] tools: must not contain a NUL character");
  text = config_text();
  text.replace(text.find("[agent]"), 0, "gpu_layers = 2000000\n");
  EXPECT_EQ(load_error(dir, text), f + ":6: [[models]] gpu_layers: must be between -1 and 100000");
}

// The KV-cache type decides the numbers a run computes (q8_0 decodes long
// contexts about 3x faster than f16 on a CPU): one of the engine's types.
TEST(RunConfig, KvCacheTypeIsOneOfTheEngines) {
  TempDir dir;
  EXPECT_EQ(experiment::load_run_config(dir.write("a.toml", config_text())).kv_type, "f16");
  EXPECT_EQ(experiment::load_run_config(dir.write("b.toml", config_text() + "kv_type = \"q8_0\"\n")).kv_type, "q8_0");
  EXPECT_EQ(load_error(dir, config_text() + "kv_type = \"q3_x\"\n"),
            dir.path("c.toml") + ":11: [engine] kv_type: unknown KV-cache type 'q3_x' (f16, f32, bf16, q8_0, q4_0)");
}

TEST(RunConfig, AllGpuLayersIsMinusOne) {
  TempDir dir;
  std::string text = config_text();
  text.replace(text.find("[agent]"), 0, "gpu_layers = -1\n");
  EXPECT_EQ(load_error(dir, text), "");
  text.replace(text.find("-1"), 2, "-2");
  EXPECT_NE(load_error(dir, text).find("[[models]] gpu_layers: must be at least -1"), std::string::npos);
}

TEST(RunConfig, MissingKeysAreNamed) {
  TempDir dir;
  std::string text = config_text();
  text.erase(text.find("formats"), std::string("formats = [\"direct\"]\n").size());
  EXPECT_NE(load_error(dir, text).find("[agent] formats: at least one prompt format is needed"), std::string::npos)
      << load_error(dir, text);
}

TEST(RunConfig, RelativePathsAreFromTheConfigFolder) {
  TempDir dir;
  std::string text = config_text("prompts = \"my-prompts\"\n");
  text.replace(text.find("path ="), 0, "lora = [\"adapters/a.gguf:0.5\", \"/abs/b.gguf\"]\n");
  text.replace(text.find("tasks.jsonl"), 0, "../");
  text += "[[models]]\npath = \"default\"\n";
  experiment::RunConfig c = experiment::load_run_config(dir.write("exp/c.toml", text));
  EXPECT_EQ(c.tasks, dir.path("tasks.jsonl"));
  EXPECT_EQ(c.prompts_dir, dir.path("exp/my-prompts"));
  ASSERT_EQ(c.models.size(), 2u);
  EXPECT_EQ(c.models[0].path, dir.path("exp/model.gguf"));
  EXPECT_EQ(c.models[0].lora, (std::vector<std::string>{dir.path("exp/adapters/a.gguf") + ":0.5", "/abs/b.gguf"}));
  EXPECT_EQ(c.models[1].path, "default");
}

TEST(RunConfig, LoraNamesComeFromTheAdapterRegistry) {
  TempDir dir;
  agentcoder::adapters::AdapterRecord r;
  r.name = "smollm2-sft";
  r.path = "/registry/smollm2-sft.gguf";
  agentcoder::adapters::AdapterRegistry(dir.path("registry")).add(r, false);
  setenv("AGENTCODER_ADAPTER_REGISTRY", dir.path("registry").c_str(), 1);
  std::string text = config_text();
  text.replace(text.find("path ="), 0, "lora = [\"smollm2-sft:0.5\", \"adapters/a.gguf\"]\n");
  experiment::RunConfig c = experiment::load_run_config(dir.write("exp/c.toml", text));
  EXPECT_EQ(c.models[0].lora, (std::vector<std::string>{"/registry/smollm2-sft.gguf:0.5", dir.path("exp/adapters/a.gguf")}));

  text.replace(text.find("smollm2-sft"), 11, "unregistered");
  std::string message = load_error(dir, text);
  unsetenv("AGENTCODER_ADAPTER_REGISTRY");
  EXPECT_NE(message.find("lora 'unregistered': no adapter of that name in " + dir.path("registry")), std::string::npos)
      << message;
}

TEST(RunConfig, PromptsDefaultToThePromptsFolderBesideTheConfig) {
  TempDir dir;
  experiment::RunConfig c = experiment::load_run_config(dir.write("exp/c.toml", config_text()));
  EXPECT_EQ(c.prompts_dir, dir.path("exp/prompts"));
}

TEST(RunConfig, ToolOptionsAreReadPerTool) {
  TempDir dir;
  std::string text = config_text("tools = [\"python\", \"docs\"]\n") +
                     "[tools_options.python]\nmax_chars = 500\ntimeout = 2.5\n"
                     "[tools_options.docs]\nindex = \"docs.sqlite\"\n";
  experiment::RunConfig c = experiment::load_run_config(dir.write("exp/c.toml", text));
  EXPECT_EQ(c.tools_options["python"]["max_chars"], 500);
  EXPECT_EQ(c.tools_options["python"]["timeout"], 2.5);
  EXPECT_EQ(c.tools_options["docs"]["index"], dir.path("exp/docs.sqlite"));
}

TEST(RunConfig, ToolsAndToolOptionsAreChecked) {
  TempDir dir;
  std::string e = load_error(dir, config_text("tools = [\"pyhton\"]\n"));
  EXPECT_NE(e.find("c.toml:9: [agent] tools: unknown tool 'pyhton'"), std::string::npos) << e;
  e = load_error(dir, config_text("tools = [\"python\", \"python\"]\n"));
  EXPECT_NE(e.find("c.toml:9: [agent] tools: tool 'python' is listed twice"), std::string::npos) << e;
  e = load_error(dir, config_text("tools = [\"python\"]\n") + "[tools_options.docs]\nk = 2\n");
  EXPECT_NE(e.find("c.toml:12: [tools_options] docs: options for a tool not in [agent] tools"), std::string::npos) << e;
  e = load_error(dir, config_text("tools = [\"python\"]\n") + "[tools_options]\npython = 3\n");
  EXPECT_NE(e.find("c.toml:13: [tools_options] python: expected a table"), std::string::npos) << e;
  e = load_error(dir, config_text("tools = [\"python\"]\n") + "[tools_options.python]\nmax_chars = [1]\n");
  EXPECT_NE(e.find("c.toml:13: [tools_options.python] max_chars: expected a number, string or boolean"),
            std::string::npos)
      << e;
}

// Every config shipped under experiments/ loads as it stands, and the prompt
// formats it names are there (`make run` needs them).
TEST(RunConfig, ShippedConfigsLoad) {
  int loaded = 0;
  for (const auto& entry : std::filesystem::directory_iterator(AGENTCODER_EXPERIMENTS_DIR)) {
    if (entry.path().extension() != ".toml") continue;
    SCOPED_TRACE(entry.path().string());
    experiment::RunConfig c;
    ASSERT_NO_THROW(c = experiment::load_run_config(entry.path().string()));
    for (const std::string& format : c.formats)
      EXPECT_TRUE(std::filesystem::is_regular_file(c.prompts_dir + "/" + format + ".txt")) << c.prompts_dir << " " << format;
    ++loaded;
  }
  EXPECT_GE(loaded, 1) << "no config found in " << AGENTCODER_EXPERIMENTS_DIR;
}

// The baseline's task file is the repository's data/synthetic/, wherever it is run from.
TEST(RunConfig, BaselineTasksAreTheRepositorysData) {
  const std::filesystem::path experiments = AGENTCODER_EXPERIMENTS_DIR;
  experiment::RunConfig c = experiment::load_run_config((experiments / "baseline.toml").string());
  EXPECT_EQ(c.tasks, (experiments.parent_path() / "data/synthetic/tasks.jsonl").lexically_normal().string());
}

}  // namespace
