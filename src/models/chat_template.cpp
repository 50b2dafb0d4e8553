#include "models/chat_template.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "chat.h"
#include "llama.h"
#include "models/model.h"
#include "models/tool_call_parser.h"

namespace agentcoder::models {
namespace {

common_chat_msg to_common(const ChatMessage& m) {
  common_chat_msg out;
  out.role = m.role;
  out.content = m.content;
  out.tool_name = m.tool_name;
  out.tool_call_id = m.tool_call_id;
  for (const auto& call : m.tool_calls) out.tool_calls.push_back({call.name, call.arguments, call.id});
  return out;
}

std::vector<common_chat_tool> to_common(const std::vector<ToolSchema>& tools) {
  std::vector<common_chat_tool> out;
  for (const auto& t : tools) out.push_back({t.name, t.description, t.parameters});
  return out;
}

// The conversation rewritten for the harness convention: tool instructions
// in the system turn, calls as <tool_call> text, tool results as user turns.
std::vector<common_chat_msg> harness_messages(const std::vector<ChatMessage>& messages,
                                              const std::vector<ToolSchema>& tools,
                                              const RenderOptions& options) {
  std::vector<common_chat_msg> out;
  std::string instructions;
  if (!tools.empty())
    instructions = options.tool_instructions.value_or(harness_tool_instructions(tools, options.fenced_code_is_call));
  bool system_seen = false;
  for (const auto& m : messages) {
    common_chat_msg c;
    c.role = m.role;
    c.content = m.content;
    if (m.role == "system" && !system_seen) {
      system_seen = true;
      if (!instructions.empty()) c.content += (c.content.empty() ? "" : "\n\n") + instructions;
    } else if (m.role == "assistant") {
      for (const auto& call : m.tool_calls) c.content += (c.content.empty() ? "" : "\n") + harness_format_call(call);
    } else if (m.role == "tool") {
      std::string block = "<tool_response name=\"" + m.tool_name + "\">\n" + m.content + "\n</tool_response>";
      if (!out.empty() && out.back().role == "user" && out.back().content.rfind("<tool_response", 0) == 0) {
        out.back().content += "\n" + block;  // templates that insist on alternating roles
        continue;
      }
      c.role = "user";
      c.content = block;
    }
    out.push_back(std::move(c));
  }
  if (!system_seen && !instructions.empty()) {
    common_chat_msg sys;
    sys.role = "system";
    sys.content = instructions;
    out.insert(out.begin(), sys);
  }
  return out;
}

const std::vector<ToolSchema>& probe_tools() {
  static const std::vector<ToolSchema> tools = {
      {"probe_tool", "A tool used to test the template.",
       R"({"type":"object","properties":{"x":{"type":"string"}},"required":["x"]})"}};
  return tools;
}

}  // namespace

const char* tool_format_name(ToolFormat format) {
  return format == ToolFormat::native ? "native" : "harness";
}

void ChatTemplate::TemplatesDeleter::operator()(common_chat_templates* t) const { common_chat_templates_free(t); }

ChatTemplate::ChatTemplate(const Model& model, const std::string& override_source) {
  templates_.reset(common_chat_templates_init(model.get(), override_source).release());
  source_ = common_chat_templates_source(templates_.get());
  auto caps = common_chat_templates_get_caps(templates_.get());
  bool claims_tools = caps["supports_tools"] && caps["supports_tool_calls"];
  if (claims_tools) {
    // Believe the template only if it really puts the tool in the prompt and
    // llama.cpp can build a parser for its calls.
    try {
      common_chat_templates_inputs in;
      common_chat_msg user;
      user.role = "user";
      user.content = "hello";
      in.messages = {user};
      in.tools = to_common(probe_tools());
      in.reasoning_format = COMMON_REASONING_FORMAT_AUTO;
      common_chat_params p = common_chat_templates_apply(templates_.get(), in);
      renders_tools_ = p.prompt.find("probe_tool") != std::string::npos && !p.parser.empty() &&
                       p.format != COMMON_CHAT_FORMAT_CONTENT_ONLY;
    } catch (const std::exception&) {
      renders_tools_ = false;
    }
  }
  format_ = renders_tools_ ? ToolFormat::native : ToolFormat::harness;
}

ChatTemplate::~ChatTemplate() = default;

RenderedChat ChatTemplate::render(const std::vector<ChatMessage>& messages, const std::vector<ToolSchema>& tools,
                                  const RenderOptions& options) const {
  RenderedChat out;
  out.options = options;
  out.has_tools = !tools.empty();
  out.format = format_;
  common_chat_templates_inputs in;
  in.add_generation_prompt = options.add_generation_prompt;
  in.reasoning_format = COMMON_REASONING_FORMAT_AUTO;
  if (format_ == ToolFormat::native) {
    for (const auto& m : messages) in.messages.push_back(to_common(m));
    in.tools = to_common(tools);
    in.parallel_tool_calls = true;
    in.tool_choice = tools.empty() ? COMMON_CHAT_TOOL_CHOICE_NONE : COMMON_CHAT_TOOL_CHOICE_AUTO;
  } else {
    in.messages = harness_messages(messages, tools, options);
  }
  common_chat_params p;
  try {
    p = common_chat_templates_apply(templates_.get(), in);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("chat template failed to render: ") + e.what());
  }
  out.prompt = p.prompt;
  out.generation_prompt = p.generation_prompt;
  if (format_ == ToolFormat::native) {
    out.tool_grammar = p.grammar;
    out.grammar_lazy = p.grammar_lazy;
    for (const auto& t : p.grammar_triggers) {
      if (t.type == COMMON_GRAMMAR_TRIGGER_TYPE_WORD) out.trigger_words.push_back(t.value);
      else if (t.type == COMMON_GRAMMAR_TRIGGER_TYPE_PATTERN || t.type == COMMON_GRAMMAR_TRIGGER_TYPE_PATTERN_FULL)
        out.trigger_patterns.push_back(t.value);
    }
    out.preserved_tokens = p.preserved_tokens;
    out.additional_stops = p.additional_stops;
    out.parser = p.parser;
    out.chat_format = static_cast<int>(p.format);
  }
  return out;
}

ParsedReply ChatTemplate::parse(const std::string& reply, const RenderedChat& rendered) const {
  HarnessParseOptions harness_options;
  if (rendered.options.fenced_code_is_call) harness_options.fenced_code_tool = rendered.options.fenced_code_tool;
  if (rendered.format == ToolFormat::harness || !rendered.has_tools) {
    // Also without tools: a model that writes a call nobody offered shows the intent.
    return parse_harness_reply(reply, harness_options);
  }
  common_chat_parser_params pp;
  pp.format = static_cast<common_chat_format>(rendered.chat_format);
  pp.generation_prompt = rendered.generation_prompt;
  pp.reasoning_format = COMMON_REASONING_FORMAT_AUTO;
  pp.parser.load(rendered.parser);
  bool opener_seen = false;
  for (const auto& w : rendered.trigger_words)
    if (reply.find(w) != std::string::npos) opener_seen = true;
  for (const auto& w : rendered.preserved_tokens)
    if (w.find("tool") != std::string::npos && reply.find(w) != std::string::npos) opener_seen = true;

  ParsedReply out;
  try {
    common_chat_msg msg = common_chat_parse(reply, /*is_partial=*/false, pp);
    out.content = msg.content;
    // The native parser is lenient: it also returns calls whose JSON was cut
    // off. Only a complete JSON object counts as a call.
    for (const auto& c : msg.tool_calls) {
      auto args = nlohmann::json::parse(c.arguments, nullptr, /*allow_exceptions=*/false);
      if (!c.name.empty() && args.is_object()) out.tool_calls.push_back({c.id, c.name, c.arguments});
      else out.errors.push_back("tool call " + std::to_string(out.tool_calls.size() + out.errors.size() + 1) +
                                ": arguments are not a complete JSON object");
    }
    if (!out.errors.empty()) {
      out.kind = ReplyKind::malformed;
    } else if (!out.tool_calls.empty()) {
      out.kind = ReplyKind::tool_call;
    } else if (opener_seen) {
      out.kind = ReplyKind::malformed;
      out.errors.push_back("tool-call marker present but no call parsed");
    }
    return out;
  } catch (const std::exception& e) {
    // The template's own parser refused the text; the harness parser may
    // still read it (many templates share the <tool_call> convention).
    ParsedReply fallback = parse_harness_reply(reply, harness_options);
    if (fallback.kind == ReplyKind::tool_call) {
      fallback.repairs.push_back("native_parse_failed");
      return fallback;
    }
    if (fallback.kind == ReplyKind::malformed || opener_seen) {
      fallback.kind = ReplyKind::malformed;
      fallback.errors.push_back(std::string("native parser: ") + e.what());
      return fallback;
    }
    out.content = reply;
    out.repairs.push_back("native_parse_failed");
    return out;
  }
}

}  // namespace agentcoder::models
