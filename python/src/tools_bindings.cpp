// Tools: the harness's python, math and docs tools (tools/tool_config.h)
// behind the agent's own toolbox (agent/registry_toolbox.h), so a call
// returns what an episode stores for it (store/episode_record.h
// ToolCallRecord: tool, arguments, executed, ok, error_class, result,
// record, wall_ms). call() releases the GIL.
#include <string>
#include <vector>

#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "agent/registry_toolbox.h"
#include "bindings.h"
#include "json_convert.h"
#include "tools/tool_config.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace agentcoder::python {
namespace {

struct PyTools {
  std::shared_ptr<sandbox::Sandbox> sandbox;  // kept alive as long as the tools
  std::unique_ptr<agent::RegistryToolbox> toolbox;
};

}  // namespace

void bind_tools(nb::module_& m) {
  nb::class_<PyTools>(m, "Tools",
                      "The tools an experiment offers (python, math, docs), configured as in its TOML "
                      "[tools_options]; call() returns the record an episode stores for the call.")
      .def(
          "__init__",
          [](PyTools* self, const std::vector<std::string>& names, nb::object options, nb::object sandbox) {
            tools::ToolsConfig config;
            config.names = names;
            config.where = "tools_options";
            if (!options.is_none()) config.options = from_python(options, "tools_options");
            bool needs_sandbox = false;
            for (const std::string& n : names) needs_sandbox = needs_sandbox || n == "python" || n == "math";
            std::shared_ptr<sandbox::Sandbox> box = needs_sandbox ? sandbox_of(sandbox) : nullptr;
            std::unique_ptr<agent::RegistryToolbox> toolbox;
            {
              nb::gil_scoped_release release;  // the docs tool opens its index
              toolbox = std::make_unique<agent::RegistryToolbox>(tools::make_registry(config, box));
            }
            new (self) PyTools{std::move(box), std::move(toolbox)};
          },
          "names"_a = std::vector<std::string>{"python", "math", "docs"}, "options"_a = nb::none(),
          "sandbox"_a = nb::none(),
          nb::sig("def __init__(self, names: collections.abc.Sequence[str] = ['python', 'math', 'docs'], "
                  "options: collections.abc.Mapping[str, collections.abc.Mapping[str, object]] | None = None, sandbox: Sandbox | None = None) -> None"),
          "names: the tools offered, in order; options: tool name -> its options (timeout, memory_mb, cpus, "
          "max_chars, ...; the docs index and k), as in an experiment's [tools_options]; sandbox: the Sandbox "
          "python and math run in (None: one shared default). Bad configuration raises ValueError.")
      .def(
          "call",
          [](PyTools& self, const std::string& name, nb::object arguments) {
            std::string args = nb::isinstance<nb::str>(arguments) ? nb::cast<std::string>(arguments)
                                                                   : from_python(arguments, "arguments").dump();
            agent::ToolOutcome out;
            {
              nb::gil_scoped_release release;
              out = self.toolbox->call(name, args);
            }
            nlohmann::ordered_json rec{{"tool", name},          {"arguments", args},
                                       {"executed", out.executed}, {"ok", out.ok},
                                       {"error_class", out.error_class}, {"result", out.text_for_model},
                                       {"record", out.record},     {"wall_ms", out.wall_ms}};
            return to_python(rec);
          },
          "name"_a, "arguments"_a,
          nb::sig("def call(self, name: str, arguments: collections.abc.Mapping[str, object] | str) -> dict[str, typing.Any]"),
          "Calls a tool as a model would (arguments: a dict, or the model's JSON text). Never raises for a "
          "bad call: an unknown tool or bad arguments come back with executed False and the error_class.")
      .def_prop_ro("names", [](const PyTools& t) { return t.toolbox->registry().names(); }, "The tools, in order.")
      .def("declarations", [](const PyTools& t) { return to_python(t.toolbox->registry().declarations()); },
           nb::sig("def declarations(self) -> list[dict[str, typing.Any]]"),
           "The OpenAI-style declarations offered to the model.");
}

}  // namespace agentcoder::python
