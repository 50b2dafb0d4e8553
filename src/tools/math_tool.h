// The "math" tool: symbolic math with SymPy, run inside the sandbox.
//
// Operations: evaluate, simplify, solve, differentiate, integrate, e.g.
//   {"operation": "solve", "expression": "x**2 - 4", "variable": "x"}
//   {"operation": "integrate", "expression": "x*exp(-x)", "lower": "0", "upper": "oo"}
// The arguments go to a fixed script (math_runner.py, embedded) as JSON on
// stdin; the expression is never spliced into code. The script parses it
// with parse_expr, an allow-list of SymPy names and no builtins.
//
// The model sees the result (solve: "x = -2 or x = 2"; a numeric value is
// added where there is one). details holds operation, result, numeric,
// solutions, variable, and the ExecResult ("exec"). outcome "failed" with
// error_class parse_error, missing_variable, math_error, timeout or memory
// when the request cannot be answered. run() is thread-safe. Warm calls
// come from slots whose zygote has SymPy imported and each operation run
// once (ExecRequest::preload, preload_code): milliseconds, not a 1 s import.
#pragma once

#include <cstddef>
#include <memory>

#include "sandbox/sandbox.h"
#include "tools/tool.h"

namespace agentcoder::tools {

struct MathToolOptions {
  MathToolOptions() {
    // Importing SymPy takes ~0.3 s of CPU; a whole core keeps calls short.
    limits.wall_seconds = 10.0;
    limits.cpus = 1.0;
  }
  sandbox::Limits limits;
  size_t max_chars = 1000;
};

class MathTool : public Tool {
 public:
  MathTool(std::shared_ptr<sandbox::Sandbox> sandbox, MathToolOptions options);

 protected:
  RunOutput run(const nlohmann::json& arguments) override;

 private:
  std::shared_ptr<sandbox::Sandbox> sandbox_;
  MathToolOptions options_;
};

}  // namespace agentcoder::tools
