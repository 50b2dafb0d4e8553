#include "models/tool_call_parser.h"

#include <nlohmann/json.hpp>

#include "utils/errors.h"
#include "utils/json_input.h"
#include "utils/text.h"

namespace agentcoder::models {
namespace {

using nlohmann::json;

constexpr std::string_view kOpen = "<tool_call>";
constexpr std::string_view kClose = "</tool_call>";

void add_repair(ParsedReply& reply, const std::string& repair) {
  for (const auto& r : reply.repairs)
    if (r == repair) return;
  reply.repairs.push_back(repair);
}

// Strips a ```json ... ``` (or bare ```) fence around a payload.
std::string unfence(const std::string& body, ParsedReply& reply) {
  if (body.rfind("```", 0) != 0) return body;
  size_t first_newline = body.find('\n');
  if (first_newline == std::string::npos) return body;
  std::string inner = body.substr(first_newline + 1);
  size_t close = inner.rfind("```");
  if (close != std::string::npos) inner = inner.substr(0, close);
  add_repair(reply, "fenced_payload");
  return trim(inner);
}

// Parses one call payload; on failure returns false and sets `error`.
bool parse_payload(std::string body, ParsedReply& reply, ToolCall& call, std::string& error) {
  body = unfence(trim(body), reply);
  if (body.empty()) {
    error = "empty tool call";
    return false;
  }
  // A reply is the model's, so hostile in the worst case: nesting is bounded
  // (utils/json_input.h) before anything copies the value.
  json value;
  try {
    value = parse_json_input<json>(body, "payload");
  } catch (const InputError& e) {
    error = std::string("invalid JSON: ") + e.what();
    return false;
  }
  if (!value.is_object()) {
    error = "tool call payload is not a JSON object";
    return false;
  }
  if (!value.contains("name") || !value["name"].is_string() || value["name"].get<std::string>().empty()) {
    error = "tool call lacks a string \"name\"";
    return false;
  }
  call.name = value["name"].get<std::string>();
  json args;
  if (value.contains("arguments")) {
    args = value["arguments"];
  } else if (value.contains("parameters")) {
    args = value["parameters"];
    add_repair(reply, "parameters_key");
  } else {
    args = json::object();
    add_repair(reply, "missing_arguments");
  }
  if (args.is_string()) {
    json inner;
    try {
      inner = parse_json_input<json>(args.get<std::string>(), "arguments");
    } catch (const InputError&) {
      inner = nullptr;
    }
    if (!inner.is_object()) {
      error = "tool call \"arguments\" is a string that is not a JSON object";
      return false;
    }
    args = inner;
    add_repair(reply, "arguments_as_string");
  }
  if (!args.is_object()) {
    error = "tool call \"arguments\" is not a JSON object";
    return false;
  }
  call.arguments = args.dump();
  return true;
}

void add_call(ParsedReply& reply, const std::string& body) {
  ToolCall call;
  std::string error;
  if (parse_payload(body, reply, call, error)) {
    call.id = "call_" + std::to_string(reply.tool_calls.size());
    reply.tool_calls.push_back(std::move(call));
  } else {
    reply.errors.push_back("tool call " + std::to_string(reply.tool_calls.size() + reply.errors.size() + 1) +
                           ": " + error);
  }
}

// A ```python (or ```py) block; returns false when there is none.
bool parse_fenced_code(const std::string& text, const std::string& tool, ParsedReply& reply) {
  size_t open = std::string::npos, opener_len = 0;
  for (const std::string& o : harness_fence_openers()) {
    size_t at = text.find(o);
    if (at != std::string::npos && (open == std::string::npos || at < open)) {
      open = at;
      opener_len = o.size();
    }
  }
  if (open == std::string::npos) return false;
  size_t code_start = text.find('\n', open + opener_len);
  std::string code;
  size_t after = text.size();
  if (code_start == std::string::npos) {
    reply.errors.push_back("code fence opened but holds no code");
  } else {
    size_t close = text.find("```", code_start + 1);
    if (close == std::string::npos) {
      add_repair(reply, "unclosed_fence");
      code = text.substr(code_start + 1);
    } else {
      code = text.substr(code_start + 1, close - code_start - 1);
      after = close + 3;
    }
    if (trim(code).empty()) {
      reply.errors.push_back("code fence holds no code");
    } else {
      // Generated text may end inside a UTF-8 sequence: dump() must not throw on it.
      reply.tool_calls.push_back({"call_0", tool, json{{"code", code}}.dump(-1, ' ', false, json::error_handler_t::replace)});
    }
  }
  reply.content = trim(text.substr(0, open) + (after < text.size() ? text.substr(after) : ""));
  return true;
}

// Arguments for the example call in the instructions: every required
// property of the first tool, with a placeholder of its type.
std::string example_arguments(const std::vector<ToolSchema>& tools) {
  nlohmann::ordered_json args = nlohmann::ordered_json::object();
  if (tools.empty()) return args.dump();
  json schema = json::parse(tools.front().parameters, nullptr, false);
  if (!schema.is_object() || !schema.contains("properties") || !schema["properties"].is_object()) return args.dump();
  for (const auto& [name, property] : schema["properties"].items()) {
    // A user's or a data set's schema may give a list of types (["integer", "null"]),
    // or no object at all: such a property gets the string placeholder.
    std::string type = "string";
    if (property.is_object() && property.contains("type") && property["type"].is_string())
      type = property["type"].get<std::string>();
    if (type == "integer" || type == "number") args[name] = 1;
    else if (type == "boolean") args[name] = true;
    else if (name == "code") args[name] = "print(2 ** 100)";
    else args[name] = "...";
  }
  return args.dump();
}

}  // namespace

const std::string& harness_call_opener() {
  static const std::string opener(kOpen);
  return opener;
}

const std::vector<std::string>& harness_fence_openers() {
  static const std::vector<std::string> openers = {"```python", "```py"};
  return openers;
}

ParsedReply parse_harness_reply(const std::string& text, const HarnessParseOptions& options) {
  ParsedReply reply;
  bool intent = false;
  std::string content;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find(kOpen, pos);
    size_t stray_close = text.find(kClose, pos);
    if (stray_close != std::string::npos && (open == std::string::npos || stray_close < open)) {
      // A closing tag with no opener: the model skipped "<tool_call>".
      intent = true;
      std::string before = text.substr(pos, stray_close - pos);
      size_t brace = before.find('{');
      if (brace != std::string::npos) {
        content += before.substr(0, brace);
        add_repair(reply, "missing_open_tag");
        add_call(reply, before.substr(brace));
      } else {
        content += before;
        reply.errors.push_back("closing </tool_call> without a call");
      }
      pos = stray_close + kClose.size();
      continue;
    }
    if (open == std::string::npos) {
      content += text.substr(pos);
      break;
    }
    intent = true;
    content += text.substr(pos, open - pos);
    size_t body_start = open + kOpen.size();
    size_t close = text.find(kClose, body_start);
    size_t next_open = text.find(kOpen, body_start);
    if (close == std::string::npos || (next_open != std::string::npos && next_open < close)) {
      size_t body_end = next_open == std::string::npos ? text.size() : next_open;
      add_repair(reply, "missing_close_tag");
      add_call(reply, text.substr(body_start, body_end - body_start));
      pos = body_end;
    } else {
      add_call(reply, text.substr(body_start, close - body_start));
      pos = close + kClose.size();
    }
  }
  // A reply cut off inside the opener ("<tool_ca") still shows the intent.
  if (!intent) {
    for (size_t n = kOpen.size() - 1; n >= 2; --n) {
      if (text.size() >= n && text.compare(text.size() - n, n, kOpen.substr(0, n)) == 0) {
        intent = true;
        reply.errors.push_back("reply ends inside an unfinished <tool_call> tag");
        content = text.substr(0, text.size() - n);
        break;
      }
    }
  }
  reply.content = trim(content);
  if (!intent && !options.fenced_code_tool.empty()) intent = parse_fenced_code(text, options.fenced_code_tool, reply);

  if (!intent) reply.kind = ReplyKind::text;
  else if (!reply.errors.empty() || reply.tool_calls.empty()) reply.kind = ReplyKind::malformed;
  else reply.kind = ReplyKind::tool_call;
  return reply;
}

std::string harness_tool_instructions(const std::vector<ToolSchema>& tools, bool fenced_code_counts) {
  std::string out = "You can call these tools:\n<tools>\n";
  for (const auto& tool : tools) {
    nlohmann::ordered_json entry{{"name", tool.name}, {"description", tool.description},
               {"parameters", json::parse(tool.parameters, nullptr, false)}};
    out += entry.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  }
  out +=
      "</tools>\n"
      "To call a tool, reply with a single <tool_call> element holding JSON with the tool's name and "
      "arguments, and nothing after it. For example:\n" +
      harness_format_call({"", tools.empty() ? "tool" : tools.front().name, example_arguments(tools)}) +
      "\nThe result comes back in a <tool_response> message. When you know the answer, reply in plain text.";
  if (fenced_code_counts)
    out += "\nA ```python fenced code block in your reply is also run with the python tool.";
  return out;
}

std::string harness_format_call(const ToolCall& call) {
  json args = json::parse(call.arguments, nullptr, false);
  if (args.is_discarded()) args = call.arguments;
  return std::string(kOpen) + nlohmann::ordered_json{{"name", call.name}, {"arguments", args}}.dump(-1, ' ', false, json::error_handler_t::replace) +
         std::string(kClose);
}

}  // namespace agentcoder::models
