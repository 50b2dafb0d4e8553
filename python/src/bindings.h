// The pieces of the extension module _agentcoder, one per area of the
// harness; module.cpp calls each once. Every function bound here calls the
// library (src/), never the CLI, and turns its exceptions into Python's
// (module.cpp: InputError -> ValueError, MissingFileError ->
// FileNotFoundError, anything else -> RuntimeError), message unchanged.
#pragma once

#include <memory>

#include <nanobind/nanobind.h>

#include "sandbox/sandbox.h"

namespace agentcoder::python {

// A sandbox shared by the Python objects that hold it (Sandbox, Tools, the
// scorer); made on first use with default options.
std::shared_ptr<sandbox::Sandbox> default_sandbox();

// The C++ sandbox behind a Python Sandbox object (None: the default one).
std::shared_ptr<sandbox::Sandbox> sandbox_of(nanobind::handle sandbox);

void bind_sandbox(nanobind::module_& m);      // Sandbox, SandboxResult
void bind_tools(nanobind::module_& m);        // Tools
void bind_reply(nanobind::module_& m);        // parse_reply
void bind_tasks(nanobind::module_& m);        // load_tasks, validate_tasks, score
void bind_experiment(nanobind::module_& m);   // run_experiment
void bind_results(nanobind::module_& m);      // open_results, metrics_json

}  // namespace agentcoder::python
