#include "agent/episode_runner.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "agent/distractor_tool.h"
#include "utils/clock.h"
#include "utils/errors.h"
#include "utils/sha256.h"

namespace agentcoder::agent {
namespace {

constexpr const char* kHarnessForcedPrefix = "<tool_call>{\"name\": \"";
constexpr const char* kFencedCodePrefix = "```python\n";

std::vector<models::ToolSchema> tools_for(const std::vector<models::ToolSchema>& schemas, Mode mode) {
  if (mode == Mode::distractor) return {distractor_tool()};
  return offers_run_tools(mode) ? schemas : std::vector<models::ToolSchema>{};
}

// The tools an episode offers: the task's own functions where it has them,
// else the run's; none in force_text and no_tools, the distractor alone in
// distractor.
std::vector<models::ToolSchema> offered_tools(const std::vector<models::ToolSchema>& run_tools, const EpisodeTask& task,
                                              Mode mode) {
  return tools_for(task.functions.empty() ? run_tools : task.functions, mode);
}

// A fenced block is a python call only where python is offered: only with
// the run's tools, and not beside a task's own functions.
models::RenderOptions render_options(const AgentOptions& options, Mode mode, bool own_functions = false) {
  models::RenderOptions o;
  o.fenced_code_is_call = options.fenced_code_is_call && offers_run_tools(mode) && !own_functions;
  o.tool_instructions = options.tool_instructions;
  return o;
}

bool fenced_code_is_a_call(const models::RenderedChat& rendered, const std::vector<models::ToolSchema>& tools) {
  if (rendered.format != models::ToolFormat::harness || !rendered.options.fenced_code_is_call) return false;
  for (const auto& t : tools)
    if (t.name == rendered.options.fenced_code_tool) return true;
  return false;
}

// The start of a forced reply (ForcedCallForm), or the reason there is none.
std::string forced_call_prefill(const models::RenderedChat& rendered, const std::vector<models::ToolSchema>& tools,
                                ForcedCallForm form) {
  const bool fenced = fenced_code_is_a_call(rendered, tools);
  if (form == ForcedCallForm::fenced_code || (form == ForcedCallForm::automatic && fenced)) {
    if (!fenced)
      throw InputError("force_tool: fenced_code prefill needs the harness tool format with fenced_code_is_call and a " +
                       rendered.options.fenced_code_tool + " tool");
    return kFencedCodePrefix;
  }
  if (rendered.format == models::ToolFormat::harness) return kHarnessForcedPrefix;
  if (!rendered.trigger_words.empty()) return rendered.trigger_words.front();
  throw InputError("force_tool: the chat template has no tool-call opener to prefill");
}

}  // namespace

std::string first_turn(const models::ChatTemplate& chat, const std::vector<models::ToolSchema>& tools,
                       const PromptFormat& format, Mode mode, const EpisodeTask& task, const AgentOptions& options) {
  const std::vector<models::ToolSchema> offered = offered_tools(tools, task, mode);
  models::RenderedChat rendered = chat.render({{"system", format.system_prompt}, {"user", task.prompt}}, offered,
                                              render_options(options, mode, !task.functions.empty()));
  if (mode != Mode::force_tool) return rendered.prompt;
  return rendered.prompt + forced_call_prefill(rendered, offered, options.forced_call_form);
}

std::string to_string(ForcedCallForm form) {
  switch (form) {
    case ForcedCallForm::automatic: return "auto";
    case ForcedCallForm::call_opener: return "call_opener";
    case ForcedCallForm::fenced_code: return "fenced_code";
  }
  return "?";
}

std::optional<ForcedCallForm> parse_forced_call_form(const std::string& name) {
  for (ForcedCallForm f : {ForcedCallForm::automatic, ForcedCallForm::call_opener, ForcedCallForm::fenced_code})
    if (to_string(f) == name) return f;
  return std::nullopt;
}

EpisodeRunner::EpisodeRunner(models::Engine& engine, const models::ChatTemplate& chat, Toolbox& tools,
                             AgentOptions options)
    : engine_(engine), chat_(chat), tools_(tools), options_(options), schemas_(tools.schemas()) {}

void EpisodeRunner::share_prefix(const PromptFormat& format, Mode mode) {
  std::string text;
  {
    std::lock_guard lock(chat_mutex_);
    models::RenderOptions o = render_options(options_, mode);
    o.add_generation_prompt = false;
    text = chat_.render({{"system", format.system_prompt}}, tools_for(schemas_, mode), o).prompt;
  }
  engine_.add_prefix(engine_.tokenize(text));
}

// An episode in progress: its trace so far, the conversation the model
// sees, and what is left of its token budget.
struct EpisodeRunner::Episode {
  EpisodeTrace trace;
  Mode mode = Mode::free;
  std::vector<models::ChatMessage> messages;
  std::vector<models::ToolSchema> tools;
  int tokens_left = 0;
  bool own_functions = false;  // the task's functions are the tools: record calls, never run them
};

EpisodeTrace EpisodeRunner::run(const EpisodeTask& task, const PromptFormat& format, Mode mode, uint32_t seed) {
  auto start = std::chrono::steady_clock::now();
  Episode e;
  e.trace.started_at = utc_now();
  e.trace.task = task;
  e.trace.mode = e.mode = mode;
  e.trace.prompt_format = format.name;
  e.trace.seed = seed;
  e.messages = {{"system", format.system_prompt}, {"user", task.prompt}};
  e.tools = offered_tools(schemas_, task, mode);
  e.own_functions = !task.functions.empty();
  e.tokens_left = options_.max_tokens;

  std::optional<StopReason> stop;
  for (int step = 0; step < options_.max_steps && !stop; ++step) stop = run_step(e, step);
  e.trace.stop_reason = stop.value_or(StopReason::max_steps);
  e.trace.wall_ms = ms_since(start);
  e.trace.finished_at = utc_now();
  return std::move(e.trace);
}

std::optional<StopReason> EpisodeRunner::run_step(Episode& e, int step) {
  if (e.tokens_left <= 0) return StopReason::max_tokens;
  const bool first = step == 0;
  models::RenderedChat rendered;
  try {
    std::lock_guard lock(chat_mutex_);
    rendered = chat_.render(e.messages, e.tools, render_options(options_, e.mode, e.own_functions));
  } catch (const std::exception& ex) {
    e.trace.error = ex.what();
    return StopReason::error;
  }
  StepTrace st;
  if (e.mode == Mode::force_tool && first) {
    try {
      st.prompt_prefill = forced_call_prefill(rendered, e.tools, options_.forced_call_form);
    } catch (const InputError& ex) {
      e.trace.error = ex.what();
      return StopReason::error;
    }
  }
  if (first) e.trace.first_turn_sha256 = sha256_hex(rendered.prompt + st.prompt_prefill);
  models::GenerationResult result = generate(e, rendered, st.prompt_prefill, step);
  st.model_text = result.text;
  st.generation_stop = result.stop;
  st.stats = result.stats;
  if (result.stop == GenerationStop::error) {
    e.trace.steps.push_back(std::move(st));
    e.trace.error = result.error;
    return StopReason::error;
  }
  {
    std::lock_guard lock(chat_mutex_);
    st.reply = chat_.parse(st.prompt_prefill + result.text, rendered);
  }
  std::optional<StopReason> stop = act_on_reply(e, st);
  e.trace.steps.push_back(std::move(st));
  if (!stop && result.stop == GenerationStop::context_full) return StopReason::context_full;
  return stop;
}

models::GenerationResult EpisodeRunner::generate(Episode& e, const models::RenderedChat& rendered,
                                                 const std::string& prefill, int step) {
  models::GenerationRequest request;
  request.sampling.temperature = options_.temperature;
  request.sampling.seed = e.trace.seed + static_cast<uint32_t>(step);
  request.sampling.max_tokens = std::min(options_.max_tokens_per_step, e.tokens_left);
  request.sampling.stop = rendered.additional_stops;
  request.prompt_tokens = engine_.tokenize(rendered.prompt + prefill);
  // The decision probe, where the model decides freely: the forced modes decide nothing.
  std::vector<ProbeOpener> openers;
  if (step == 0 && model_decides(e.mode)) openers = probe_openers(engine_, rendered);
  for (const auto& o : openers) request.probe_sequences.push_back(o.tokens);
  const bool capture = step == 0 && e.mode == Mode::free && options_.keep_hidden_states;
  request.capture_hidden = capture;
  models::GenerationResult result = engine_.generate(std::move(request));
  e.tokens_left -= result.stats.generated_tokens;
  if (capture) e.trace.hidden_states = std::move(result.hidden_states);
  if (!openers.empty() && result.probe_probabilities.size() == openers.size()) {
    double p_tool = 0;
    for (size_t i = 0; i < openers.size(); ++i) p_tool += openers[i].p = result.probe_probabilities[i];
    e.trace.p_tool = p_tool;
    e.trace.probe_openers = std::move(openers);
  }
  return result;
}

// A text reply ends the episode; a call runs its tools and a malformed call
// gets its parse error back, and the episode goes on. With the task's own
// functions the first reply, whatever it is, ends it.
std::optional<StopReason> EpisodeRunner::act_on_reply(Episode& e, StepTrace& st) {
  const ReplyKind kind = st.reply.kind;
  if ((e.mode == Mode::force_text || e.mode == Mode::no_tools) && kind != ReplyKind::text) {
    // No tools here: the attempt is recorded, not run, and the text is the answer.
    for (const auto& call : st.reply.tool_calls) st.tool_calls.push_back({call, false, false, "tools_not_offered"});
    e.trace.final_answer = st.reply.content.empty() ? st.model_text : st.reply.content;
    return StopReason::final_answer;
  }
  if (e.own_functions || e.mode == Mode::distractor) {
    // The functions (or the distractor) exist only as schemas, and the first
    // reply is the one scored: its calls are recorded, not run, and the
    // episode ends here. In distractor a call to any other name is to a tool
    // not offered.
    for (const auto& call : st.reply.tool_calls) {
      const bool offered = e.mode != Mode::distractor || call.name == distractor_tool().name;
      st.tool_calls.push_back({call, false, false, offered ? kNotRunByDesign : "tools_not_offered"});
    }
    e.trace.final_answer = st.reply.content;
    if (st.generation_stop == GenerationStop::context_full) return StopReason::context_full;
    if (st.generation_stop == GenerationStop::max_tokens) return StopReason::max_tokens;
    return StopReason::first_reply;
  }
  if (kind == ReplyKind::text) {
    e.trace.final_answer = st.reply.content;
    if (st.generation_stop == GenerationStop::context_full) return StopReason::context_full;
    if (st.generation_stop == GenerationStop::max_tokens) return StopReason::max_tokens;
    return StopReason::final_answer;
  }
  models::ChatMessage assistant{"assistant", st.reply.content};
  if (kind == ReplyKind::tool_call) {
    assistant.tool_calls = st.reply.tool_calls;
    e.messages.push_back(assistant);
    for (const auto& call : st.reply.tool_calls) {
      st.tool_calls.push_back(run_tool_call(tools_, call));
      e.messages.push_back({"tool", st.tool_calls.back().result_for_model, {}, call.id, call.name});
    }
  } else {
    // Malformed: show the model its own text and why it did not parse, so it can recover.
    assistant.content = st.prompt_prefill + st.model_text;
    e.messages.push_back(assistant);
    e.messages.push_back({"user", malformed_call_message(st.reply.errors.empty() ? "" : st.reply.errors.front())});
  }
  return std::nullopt;
}

std::string malformed_call_message(const std::string& parse_error) {
  const std::string why = parse_error.empty() ? "it could not be parsed" : parse_error;
  return "Your tool call was not run: " + why + ". Call the tool again with valid JSON, or answer in plain text.";
}

ToolCallTrace run_tool_call(Toolbox& tools, const models::ToolCall& call) {
  ToolOutcome out = tools.call(call.name, call.arguments);
  return {call, out.ok, out.executed, out.error_class, out.text_for_model, out.record, out.wall_ms};
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
