#include "tools/math_tool.h"

#include <cstdio>
#include <regex>
#include <utility>

#include "tools/exec_record.h"
#include "tools/python_failure.h"
#include "tools/truncate.h"

namespace agentcoder::tools {

extern const char kMathRunnerSource[];  // math_runner.py, embedded by CMake

namespace {

using nlohmann::json;

const char kDescription[] =
    "Symbolic math with SymPy: evaluate, simplify, solve (an expression equal to zero, or an equation "
    "with '='), differentiate or integrate an expression in Python syntax, e.g. {\"operation\": \"solve\", "
    "\"expression\": \"x**2 - 4\", \"variable\": \"x\"}.";

json argument_schema() {
  json bound = {{"type", json::array({"string", "number"})}};
  return json{
      {"type", "object"},
      {"properties",
       {{"operation",
         {{"type", "string"}, {"enum", {"evaluate", "simplify", "solve", "differentiate", "integrate"}}}},
        {"expression", {{"type", "string"}, {"description", "In Python syntax, e.g. sin(x)**2 + 3*x"}}},
        {"variable", {{"type", "string"}, {"description", "The variable to solve for, differentiate or integrate by"}}},
        {"order", {{"type", "integer"}, {"minimum", 1}, {"maximum", 10}, {"description", "Derivative order"}}},
        {"lower", bound},
        {"upper", bound}}},
      {"required", {"operation", "expression"}},
      {"additionalProperties", false}};
}

// "approx." adds nothing to an exact integer or decimal.
bool needs_approximation(const json& exact, const json& numeric) {
  static const std::regex plain(R"(^-?[0-9]+(\.[0-9]+)?$)");
  return numeric.is_string() && exact.is_string() && !std::regex_match(exact.get<std::string>(), plain);
}

std::string answer_text(const json& a) {
  if (a["solutions"].is_array()) {
    const std::string var = a["variable"].get<std::string>();
    if (a["solutions"].empty()) return "no solution for " + var;
    std::string text;
    for (size_t i = 0; i < a["solutions"].size(); ++i) {
      text += (i ? " or " : "") + var + " = " + a["solutions"][i].get<std::string>();
      const json& n = a["numeric"][i];
      if (needs_approximation(a["solutions"][i], n)) text += " (approx. " + n.get<std::string>() + ")";
    }
    return text;
  }
  std::string text = a["result"].get<std::string>();
  if (needs_approximation(a["result"], a["numeric"])) text += " (approx. " + a["numeric"].get<std::string>() + ")";
  return text;
}

// Runs the math program itself once per operation, in the zygote, on
// requests no model sent; their answers are discarded. Each prepared run
// answers the solve and the derivative again before its request
// (`rehearse`, zygote.py), so a call's own solve copies few of the
// zygote's pages.
const std::string& warm_up_code() {
  static const std::string code = [] {
    std::string hex;
    for (unsigned char c : std::string(kMathRunnerSource)) {
      hex += "0123456789abcdef"[c >> 4];
      hex += "0123456789abcdef"[c & 15];
    }
    return "import io, json, sys\n"
           "program = precompile(bytes.fromhex('" + hex + "'))  # the sandbox's: runs of it skip the compile\n"
           "def answer(request):\n"
           "    sys.stdin, sys.stdout = io.StringIO(json.dumps(request)), io.StringIO()\n"
           "    try:\n"
           "        exec(program, {'__name__': '__main__'})\n"
           "    except SystemExit:\n"
           "        pass\n"
           "solve = {'operation': 'solve', 'expression': 'y**3 - 2*y', 'variable': 'y'}\n"
           "differentiate = {'operation': 'differentiate', 'expression': 'z*exp(z)', 'variable': 'z'}\n"
           "for request in [solve, differentiate,\n"
           "        {'operation': 'simplify', 'expression': 'sin(t)**2 + cos(t)**2'},\n"
           "        {'operation': 'integrate', 'expression': 'w*exp(-w)', 'variable': 'w', 'lower': '0', 'upper': 'oo'},\n"
           "        {'operation': 'evaluate', 'expression': 'sqrt(2)*pi'}]:\n"
           "    answer(request)\n"
           "rehearse(lambda: (answer(solve), answer(differentiate)))\n";
  }();
  return code;
}

}  // namespace

MathTool::MathTool(std::shared_ptr<sandbox::Sandbox> sandbox, MathToolOptions options)
    : Tool("math", kDescription, argument_schema(), options.max_chars), sandbox_(std::move(sandbox)), options_(options) {}

RunOutput MathTool::run(const json& arguments) {
  sandbox::ExecRequest request;
  request.code = kMathRunnerSource;
  request.stdin_data = arguments.dump();
  request.limits = options_.limits;
  // Warm calls fork from a zygote that has SymPy imported and exercised
  // already: a call costs milliseconds instead of the ~1 s import and the
  // ~70 ms of lazy imports a first solve() pays.
  request.preload = {"json", "re", "sympy", "sympy.parsing.sympy_parser"};
  request.preload_code = warm_up_code();
  sandbox::ExecResult r = sandbox_->run(request);

  RunOutput out;
  out.details["operation"] = arguments.at("operation");
  out.details["exec"] = exec_result_json(r);
  json answer = json::parse(r.stdout_data, nullptr, /*allow_exceptions=*/false);
  if (!r.succeeded() || !answer.is_object() || !answer.contains("ok")) {
    // The script always prints an answer; without one, the run itself failed.
    PythonFailure f = classify_python_failure(r);
    out.outcome = (f.error_class == "timeout" || f.error_class == "memory") ? "failed" : "internal_error";
    out.error_class = f.error_class.empty() ? "internal_error" : f.error_class;
    char buf[128];
    if (f.error_class == "timeout") {
      std::snprintf(buf, sizeof buf, "the computation took longer than %g s", options_.limits.wall_seconds);
    } else if (f.error_class == "memory") {
      std::snprintf(buf, sizeof buf, "the computation needed more than %llu MB",
                    static_cast<unsigned long long>(options_.limits.memory_bytes >> 20));
    } else {
      std::snprintf(buf, sizeof buf, "the math program failed (%s)", out.error_class.c_str());
    }
    out.error = buf;
    if (!f.exception_type.empty()) out.error += ": " + f.exception_type + ": " + f.exception_message;
    out.text = "error: " + std::string(buf);
    return out;
  }
  if (!answer["ok"].get<bool>()) {
    out.outcome = "failed";
    out.error_class = answer.value("error_class", "math_error");
    out.error = answer.value("error", "");
    out.text = truncate_middle("error: " + out.error, options_.max_chars);
    return out;
  }
  for (const char* key : {"result", "numeric", "solutions", "variable"}) out.details[key] = answer[key];
  std::string text = answer_text(answer);
  out.text_truncated = text.size() > options_.max_chars;
  out.text = truncate_middle(text, options_.max_chars);
  return out;
}

}  // namespace agentcoder::tools
