// agentcoder generate [MODEL]: one generation, from a prompt or a chat,
// optionally with tools; prints the reply, the parsed tool calls and timings.
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/engine_flags.h"
#include "models/chat_json.h"
#include "models/chat_template.h"
#include "models/engine.h"
#include "models/lora.h"
#include "utils/errors.h"
#include "utils/process_memory.h"
#include "utils/files.h"

namespace agentcoder::cli {
namespace {

using nlohmann::json;

struct GenerateArgs {
  EngineFlags flags;
  SamplingFlags sampling;
  std::string prompt, chat_file, system, tools_file, template_file;
  bool raw = false, json_out = false, fenced_code = false, harness_format = false, constrain = false;
};

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

void run_generate(GenerateArgs args) {
  args.flags.resolve();
  args.sampling.resolve();
  if (args.prompt.empty() == args.chat_file.empty()) throw InputError("give exactly one of --prompt or --chat");
  // The user's JSON is read before the model loads: bad input fails in milliseconds.
  std::vector<models::ToolSchema> tools;
  if (!args.tools_file.empty()) tools = models::tools_from_json_text(read_file(args.tools_file), args.tools_file);
  std::vector<models::ChatMessage> chat_messages;
  if (!args.chat_file.empty()) chat_messages = models::chat_from_json_text(read_file(args.chat_file), args.chat_file);
  models::Model model(args.flags.model);
  std::vector<std::unique_ptr<models::LoraAdapter>> adapters;
  std::vector<std::pair<const models::LoraAdapter*, float>> active;
  for (const auto& text : args.flags.lora) {
    auto spec = models::LoraSpec::parse(text);
    adapters.push_back(std::make_unique<models::LoraAdapter>(model, spec.path));
    active.emplace_back(adapters.back().get(), spec.scale);
  }
  models::EngineOptions engine_options = args.flags.engine;
  engine_options.parallel = 1;
  engine_options.max_prefixes = 0;
  models::Engine engine(model, engine_options);
  if (!active.empty()) engine.set_adapters(active);

  models::SamplingParams sampling = args.sampling.params;
  std::unique_ptr<models::ChatTemplate> chat;
  models::RenderedChat rendered;
  std::string prompt_text;
  if (args.raw) {
    if (args.prompt.empty()) throw InputError("--raw needs --prompt");
    prompt_text = args.prompt;
  } else {
    std::vector<models::ChatMessage> messages;
    if (!args.chat_file.empty()) messages = std::move(chat_messages);
    else {
      if (!args.system.empty()) messages.push_back({"system", args.system});
      messages.push_back({"user", args.prompt});
    }
    models::RenderOptions options;
    options.fenced_code_is_call = args.fenced_code;
    try {
      chat = std::make_unique<models::ChatTemplate>(
          model, args.template_file.empty() ? "" : read_file(args.template_file));
      if (args.harness_format) chat->force_harness_format();
      rendered = chat->render(messages, tools, options);
    } catch (const InputError&) {
      throw;
    } catch (const std::exception& e) {
      // A --chat-template of the user's that does not parse or refuses the chat is bad input.
      if (args.template_file.empty()) throw;
      throw InputError(args.template_file + ": the chat template failed: " + first_line(e.what()));
    }
    prompt_text = rendered.prompt;
    for (const auto& s : rendered.additional_stops) sampling.stop.push_back(s);
    if (args.constrain && sampling.grammar.empty() && !rendered.tool_grammar.empty()) {
      sampling.grammar = rendered.tool_grammar;
      sampling.grammar_lazy = rendered.grammar_lazy;
      sampling.trigger_words = rendered.trigger_words;
      sampling.trigger_patterns = rendered.trigger_patterns;
      sampling.preserved_tokens = rendered.preserved_tokens;
    }
  }
  models::GenerationRequest request;
  request.prompt_tokens = engine.tokenize(prompt_text);
  request.sampling = sampling;
  models::GenerationResult result = engine.generate(std::move(request));
  if (result.stop == GenerationStop::error) {
    // A grammar of the user's that does not parse, or that no token can continue, is bad input.
    if (!args.sampling.grammar_file.empty() && result.error.rfind("sampler: ", 0) == 0)
      throw InputError(args.sampling.grammar_file + ": " + result.error);
    throw std::runtime_error(result.error);
  }

  models::ParsedReply parsed;
  if (chat) parsed = chat->parse(result.text, rendered);
  const auto& st = result.stats;
  double tps = st.decode_ms > 0 ? 1000.0 * std::max(0, st.generated_tokens - 1) / st.decode_ms : 0;
  if (args.json_out) {
    json calls = json::array();
    for (const auto& c : parsed.tool_calls)
      calls.push_back({{"id", c.id}, {"name", c.name}, {"arguments", json::parse(c.arguments, nullptr, false)}});
    json out{{"text", result.text},
             {"stop_reason", to_string(result.stop)},
             {"tool_format", chat ? models::tool_format_name(rendered.format) : "raw"},
             {"reply_kind", to_string(parsed.kind)},
             {"content", parsed.content},
             {"tool_calls", calls},
             {"parse_errors", parsed.errors},
             {"repairs", parsed.repairs},
             {"stats",
              {{"prompt_tokens", st.prompt_tokens},
               {"generated_tokens", st.generated_tokens},
               {"queued_ms", st.queued_ms},
               {"prompt_eval_ms", st.prompt_eval_ms},
               {"decode_ms", st.decode_ms},
               {"decode_tokens_per_s", tps},
               {"kv_bytes", st.kv_bytes},
               {"rss_bytes", current_rss_bytes()},
               {"peak_rss_bytes", peak_rss_bytes()}}}};
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  std::printf("%s\n", result.text.c_str());
  std::printf("\n--- %s, stop: %s", chat ? models::tool_format_name(rendered.format) : "raw",
              to_string(result.stop));
  if (chat) std::printf(", reply: %s", to_string(parsed.kind));
  std::printf("\n");
  for (const auto& c : parsed.tool_calls) std::printf("tool call: %s %s\n", c.name.c_str(), c.arguments.c_str());
  for (const auto& e : parsed.errors) std::printf("parse error: %s\n", e.c_str());
  for (const auto& r : parsed.repairs) std::printf("repair: %s\n", r.c_str());
  std::printf("prompt %d tok in %.1f ms | generated %d tok in %.1f ms (%.1f tok/s) | KV %.1f KiB | RSS %.0f MiB\n",
              st.prompt_tokens, st.prompt_eval_ms, st.generated_tokens, st.decode_ms, tps, st.kv_bytes / 1024.0,
              current_rss_bytes() / 1048576.0);
}

CommandRegistrar reg("generate", [](CLI::App& app) {
  auto args = std::make_shared<GenerateArgs>();
  CLI::App* cmd = app.add_subcommand("generate", "Generate a reply to a prompt or a chat, optionally with tools");
  args->flags.add_model_flags(*cmd);
  args->flags.add_engine_flags(*cmd);
  args->sampling.add(*cmd);
  cmd->add_option("-p,--prompt", args->prompt, "User message (or raw text with --raw)");
  cmd->add_option("--chat", args->chat_file, "JSON file with an array of chat messages (OpenAI shape)");
  cmd->add_option("--system", args->system, "System prompt (with --prompt)");
  cmd->add_option("--tools", args->tools_file, "JSON file with an array of tool schemas (OpenAI shape)");
  cmd->add_option("--chat-template", args->template_file, "Jinja chat template file replacing the model's own");
  cmd->add_flag("--raw", args->raw, "Use the prompt as it is, without the chat template");
  cmd->add_flag("--fenced-code", args->fenced_code, "A ```python block in the reply counts as a python call");
  cmd->add_flag("--harness-format", args->harness_format, "Use the <tool_call> convention even if the template renders tools");
  cmd->add_flag("--constrain-tools", args->constrain, "Constrain tool calls with the template's grammar (native format)");
  cmd->add_flag("--json", args->json_out, "Print JSON");
  cmd->callback([args] { run_generate(*args); });
});

}  // namespace
}  // namespace agentcoder::cli
