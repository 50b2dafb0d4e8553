// The "python" tool: runs the model's code in the sandbox.
//
// The model sees stdout, then stderr, then a status line when the run did
// not succeed ("[exit status 1]", "[timed out after 5 s]", ...), cut to
// max_chars: each stream gets half the budget when both need more, and a
// stream that needs less gives the rest to the other; a cut keeps the head
// and the tail (where a traceback's last line is). The record's details
// keep the whole ExecResult ("exec"), the failure class and the exception
// (python_failure.h) and the limits used.
//
// outcome "ok" iff the run succeeded (exit 0, no timeout, no OOM); a run
// that fails is "failed" with the class as error_class. The sandbox is
// shared and must outlive the tool; run() is thread-safe.
#pragma once

#include <cstddef>
#include <memory>

#include "sandbox/sandbox.h"
#include "tools/tool.h"

namespace agentcoder::tools {

struct PythonToolOptions {
  sandbox::Limits limits;  // per run
  size_t max_chars = 2000;
};

class PythonTool : public Tool {
 public:
  PythonTool(std::shared_ptr<sandbox::Sandbox> sandbox, PythonToolOptions options);

 protected:
  RunOutput run(const nlohmann::json& arguments) override;

 private:
  std::shared_ptr<sandbox::Sandbox> sandbox_;
  PythonToolOptions options_;
};

}  // namespace agentcoder::tools
