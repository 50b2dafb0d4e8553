// Renders a conversation, with tool schemas, into a prompt using the model's
// own chat template (llama.cpp's Jinja engine in `common`), and parses the
// model's reply back into text and tool calls.
//
// Two tool formats:
//  - native: the template renders tools itself (Qwen2.5, Hermes, Llama 3.x,
//    ...). Tools go through common_chat_templates_apply, replies through
//    common_chat_parse with the parser it generated; the rendered prompt also
//    carries the grammar that constrains a tool call.
//  - harness: the template has no tool support (SmolLM2, Gemma 3, ...). The
//    tool list and the calling convention (tool_call_parser.h) are appended
//    to the system prompt, tool results are shown to the model as user turns
//    wrapped in <tool_response>, and replies are parsed by the harness.
// A template that renders tools can still be forced to the harness format,
// for ablations of the format itself.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/chat_types.h"

struct common_chat_templates;

namespace agentcoder::models {

class Model;

enum class ToolFormat { native, harness };
const char* tool_format_name(ToolFormat format);

struct RenderOptions {
  bool add_generation_prompt = true;
  bool fenced_code_is_call = false;   // harness: ```python blocks count as python calls
  std::string fenced_code_tool = "python";
  // harness: replaces the built-in tool instructions and tool list
  // (tool_call_parser.h), for ablations of their wording; unset = built-in.
  std::optional<std::string> tool_instructions;
};

// A rendered prompt and what is needed to constrain and parse the reply.
struct RenderedChat {
  std::string prompt;
  ToolFormat format = ToolFormat::harness;
  std::string generation_prompt;  // text the template placed after the last turn
  // native only: constrained decoding of tool calls, and the reply parser.
  std::string tool_grammar;
  bool grammar_lazy = false;
  std::vector<std::string> trigger_words;     // generation is free until one appears
  std::vector<std::string> trigger_patterns;  // regexes, matched from the start of the reply
  std::vector<std::string> preserved_tokens;
  std::vector<std::string> additional_stops;
  std::string parser;      // serialised PEG parser from common_chat_templates_apply
  int chat_format = 0;     // common_chat_format
  bool has_tools = false;
  RenderOptions options;
};

class ChatTemplate {
 public:
  // Uses the template stored in the model; `override_source` replaces it.
  explicit ChatTemplate(const Model& model, const std::string& override_source = "");
  ~ChatTemplate();
  ChatTemplate(const ChatTemplate&) = delete;
  ChatTemplate& operator=(const ChatTemplate&) = delete;

  // Whether the template itself renders tool schemas and tool calls.
  bool renders_tools() const { return renders_tools_; }
  // The format used for tools: native where the template renders them, unless forced.
  ToolFormat tool_format() const { return format_; }
  void force_harness_format() { format_ = ToolFormat::harness; }
  const std::string& source() const { return source_; }

  RenderedChat render(const std::vector<ChatMessage>& messages, const std::vector<ToolSchema>& tools,
                      const RenderOptions& options = {}) const;

  // Parses a complete reply. Never throws: a reply that opens a call but
  // does not parse comes back as ReplyKind::malformed with its errors.
  ParsedReply parse(const std::string& reply, const RenderedChat& rendered) const;

 private:
  struct TemplatesDeleter {
    void operator()(common_chat_templates* t) const;
  };
  std::unique_ptr<common_chat_templates, TemplatesDeleter> templates_;
  std::string source_;
  bool renders_tools_ = false;
  ToolFormat format_ = ToolFormat::harness;
};

}  // namespace agentcoder::models
