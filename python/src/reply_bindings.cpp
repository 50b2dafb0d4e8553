// parse_reply: the harness's tool-call parser (models/tool_call_parser.h),
// the one the agent runs on every reply in the harness format.
#include <string>

#include <nanobind/stl/string.h>

#include "bindings.h"
#include "json_convert.h"
#include "models/tool_call_parser.h"
#include "utils/vocabulary.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace agentcoder::python {

void bind_reply(nb::module_& m) {
  m.def(
      "parse_reply",
      [](const std::string& text, const std::string& fenced_code_tool) {
        models::HarnessParseOptions options;
        options.fenced_code_tool = fenced_code_tool;
        models::ParsedReply r = models::parse_harness_reply(text, options);
        nlohmann::ordered_json calls = nlohmann::ordered_json::array();
        for (const models::ToolCall& c : r.tool_calls)
          calls.push_back({{"id", c.id}, {"name", c.name}, {"arguments", c.arguments}});
        nlohmann::ordered_json out{{"kind", to_string(r.kind)}, {"content", r.content}, {"tool_calls", calls},
                                   {"errors", r.errors}, {"repairs", r.repairs}};
        return to_python(out);
      },
      "text"_a, "fenced_code_tool"_a = "",
      nb::sig("def parse_reply(text: str, fenced_code_tool: str = '') -> dict[str, typing.Any]"),
      "Parses a model's reply in the harness convention (<tool_call>{...}</tool_call>). Returns kind "
      "('text', 'tool_call' or 'malformed'), content (the text outside calls), tool_calls ([{id, name, "
      "arguments}], arguments as JSON text), errors (one per call that did not parse) and repairs (slips "
      "the parser fixed, e.g. 'missing_close_tag'). fenced_code_tool='python' also reads a ```python block "
      "as a call to that tool, as experiments with fenced code do.");
}

}  // namespace agentcoder::python
