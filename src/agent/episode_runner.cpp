#include "agent/episode_runner.h"

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "utils/errors.h"
#include "utils/clock.h"

namespace agentcoder::agent {
namespace {


constexpr const char* kHarnessForcedPrefix = "<tool_call>{\"name\": \"";

}  // namespace

EpisodeRunner::EpisodeRunner(models::Engine& engine, const models::ChatTemplate& chat, Toolbox& tools,
                             AgentOptions options)
    : engine_(engine), chat_(chat), tools_(tools), options_(options), schemas_(tools.schemas()) {}

std::vector<models::ToolSchema> EpisodeRunner::tools_for(Mode mode) const {
  return mode == Mode::force_text ? std::vector<models::ToolSchema>{} : schemas_;
}

models::RenderOptions EpisodeRunner::render_options(Mode mode) const {
  models::RenderOptions o;
  o.fenced_code_is_call = options_.fenced_code_is_call && mode != Mode::force_text;
  return o;
}

void EpisodeRunner::share_prefix(const PromptFormat& format, Mode mode) {
  std::string text;
  {
    std::lock_guard lock(chat_mutex_);
    models::RenderOptions o = render_options(mode);
    o.add_generation_prompt = false;
    text = chat_.render({{"system", format.system_prompt}}, tools_for(mode), o).prompt;
  }
  engine_.add_prefix(engine_.tokenize(text));
}

std::vector<int32_t> EpisodeRunner::decision_probe_tokens(Mode mode) const {
  std::vector<std::string> openers = {"<tool_call>"};
  if (chat_.tool_format() == models::ToolFormat::harness && options_.fenced_code_is_call && mode != Mode::force_text)
    openers.insert(openers.end(), {"```python", "```py", "```"});
  std::set<int32_t> ids;
  for (const auto& o : openers) {
    // Without the BOS the tokenizer may add: the first token of the opener itself.
    auto tokens = engine_.tokenize(o);
    auto plain = engine_.tokenize("");
    if (tokens.size() > plain.size()) ids.insert(tokens[plain.size()]);
  }
  return {ids.begin(), ids.end()};
}

EpisodeTrace EpisodeRunner::run(const EpisodeTask& task, const PromptFormat& format, Mode mode, uint32_t seed) {
  auto start = std::chrono::steady_clock::now();
  EpisodeTrace trace;
  trace.task = task;
  trace.mode = mode;
  trace.prompt_format = format.name;
  trace.seed = seed;
  std::vector<models::ChatMessage> messages = {{"system", format.system_prompt}, {"user", task.prompt}};
  const auto tools = tools_for(mode);
  const auto probe = decision_probe_tokens(mode);
  int tokens_left = options_.max_tokens;
  trace.stop_reason = StopReason::max_steps;

  for (int step = 0; step < options_.max_steps; ++step) {
    if (tokens_left <= 0) {
      trace.stop_reason = StopReason::max_tokens;
      break;
    }
    const bool first = step == 0;
    models::RenderedChat rendered;
    try {
      std::lock_guard lock(chat_mutex_);
      rendered = chat_.render(messages, tools, render_options(mode));
    } catch (const std::exception& e) {
      trace.stop_reason = StopReason::error;
      trace.error = e.what();
      break;
    }
    StepTrace st;
    models::GenerationRequest request;
    request.sampling.temperature = options_.temperature;
    request.sampling.seed = seed + static_cast<uint32_t>(step);
    request.sampling.max_tokens = std::min(options_.max_tokens_per_step, tokens_left);
    request.sampling.stop = rendered.additional_stops;
    if (mode == Mode::force_tool && first) {
      // Prefill the opener of a call: the model can only continue the call.
      // (The templates' "required" grammars still allow text before the call.)
      if (rendered.format == models::ToolFormat::harness) {
        st.prompt_prefill = kHarnessForcedPrefix;
      } else if (!rendered.trigger_words.empty()) {
        st.prompt_prefill = rendered.trigger_words.front();
      } else {
        trace.stop_reason = StopReason::error;
        trace.error = "force_tool: the chat template has no tool-call opener to prefill";
        break;
      }
    }
    request.prompt_tokens = engine_.tokenize(rendered.prompt + st.prompt_prefill);
    if (first) request.probe_tokens = probe;
    models::GenerationResult result = engine_.generate(std::move(request));
    st.model_text = result.text;
    st.generation_stop = result.stop;
    st.stats = result.stats;
    tokens_left -= result.stats.generated_tokens;
    if (first)
      for (float p : result.probe_probabilities) trace.p_tool += p;
    if (result.stop == GenerationStop::error) {
      trace.steps.push_back(std::move(st));
      trace.stop_reason = StopReason::error;
      trace.error = result.error;
      break;
    }
    {
      std::lock_guard lock(chat_mutex_);
      st.reply = chat_.parse(st.prompt_prefill + result.text, rendered);
    }
    const ReplyKind kind = st.reply.kind;
    const bool cut = result.stop == GenerationStop::max_tokens || result.stop == GenerationStop::context_full;

    if (mode == Mode::force_text && kind != ReplyKind::text) {
      // No tools here: the attempt is recorded, not run, and the text is the answer.
      for (const auto& call : st.reply.tool_calls) st.tool_calls.push_back({call, false, false, "tools_not_offered"});
      trace.final_answer = st.reply.content.empty() ? result.text : st.reply.content;
      trace.stop_reason = StopReason::final_answer;
      trace.steps.push_back(std::move(st));
      break;
    }
    if (kind == ReplyKind::text) {
      trace.final_answer = st.reply.content;
      trace.stop_reason = !cut ? StopReason::final_answer
                        : (result.stop == GenerationStop::context_full ? StopReason::context_full
                                                                            : StopReason::max_tokens);
      trace.steps.push_back(std::move(st));
      break;
    }
    models::ChatMessage assistant{"assistant", st.reply.content};
    if (kind == ReplyKind::tool_call) {
      assistant.tool_calls = st.reply.tool_calls;
      messages.push_back(assistant);
      for (const auto& call : st.reply.tool_calls) {
        ToolOutcome out = tools_.call(call.name, call.arguments);
        messages.push_back({"tool", out.text_for_model, {}, call.id, call.name});
        st.tool_calls.push_back({call, out.ok, true, out.error_class, out.text_for_model, out.record, out.wall_ms});
      }
    } else {
      // Malformed: show the model its own text and why it did not parse, so it can recover.
      assistant.content = st.prompt_prefill + result.text;
      messages.push_back(assistant);
      std::string why = st.reply.errors.empty() ? "it could not be parsed" : st.reply.errors.front();
      messages.push_back({"user", "Your tool call was not run: " + why +
                                      ". Call the tool again with valid JSON, or answer in plain text."});
    }
    trace.steps.push_back(std::move(st));
    if (result.stop == GenerationStop::context_full) {
      trace.stop_reason = StopReason::context_full;
      break;
    }
  }
  trace.wall_ms = ms_since(start);
  return trace;
}

void run_episodes(EpisodeRunner& runner, const std::vector<EpisodeSpec>& specs, int parallel,
                  const std::function<void(size_t, EpisodeTrace&&)>& on_done) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < specs.size(); i = next++) {
      const EpisodeSpec& spec = specs[i];
      on_done(i, runner.run(spec.task, *spec.format, spec.mode, spec.seed));
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, parallel); ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
}

}  // namespace agentcoder::agent
