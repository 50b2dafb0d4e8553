// The extension module _agentcoder. The package agentcoder (agentcoder/
// __init__.py) re-exports it with the pandas layer on top.
#include <dlfcn.h>

#include <filesystem>
#include <string>

#include <nanobind/nanobind.h>

#include "bindings.h"
#include "sandbox/sandbox.h"
#include "utils/errors.h"

namespace nb = nanobind;

namespace {

// This module's own file, found from one of its functions: the launcher
// binary is installed beside it.
std::filesystem::path module_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&module_dir), &info) == 0 || !info.dli_fname)
    throw std::runtime_error("agentcoder: cannot locate the extension module's file");
  return std::filesystem::path(info.dli_fname).parent_path();
}

}  // namespace

// Tells llama_runtime.cpp's start-up hook that this process is python, which
// must not be re-executed (the package sets OMP_WAIT_POLICY itself).
extern "C" const bool agentcoder_python_module = true;

NB_MODULE(_agentcoder, m) {
  m.doc() = "AgentCoder's C++ harness (sandbox, tools, parser, scorer, store, runner) for Python";

  // The sandbox starts each slot's launcher by executing a binary that
  // links it; python itself does not, so the package ships one.
  const std::filesystem::path launcher = module_dir() / "agentcoder-sandbox-launcher";
  agentcoder::sandbox::set_launcher_executable(launcher.string());

  // Same one-line messages as the CLI; the type says what kind of problem.
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const agentcoder::MissingFileError& e) {
      PyErr_SetString(PyExc_FileNotFoundError, e.what());
    } catch (const agentcoder::InputError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const agentcoder::sandbox::SandboxUnavailable& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });

  agentcoder::python::bind_sandbox(m);
  agentcoder::python::bind_tools(m);
  agentcoder::python::bind_reply(m);
  agentcoder::python::bind_tasks(m);
  agentcoder::python::bind_experiment(m);
  agentcoder::python::bind_results(m);
}
