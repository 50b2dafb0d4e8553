// The math tool through the real sandbox. Each answer is checked by
// computing it another way: derivatives and integrals numerically in C++,
// solutions by substitution, simplifications by comparing values. Answers
// are SymPy expressions; `values_of` evaluates one at given points with
// Python's cmath in the sandbox (no SymPy involved).
#include "tools/math_tool.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <set>

#include "test_sandbox.h"

namespace agentcoder::tools {
namespace {

using nlohmann::json;

ToolResult math(const json& args, MathToolOptions options = {}) {
  MathTool tool(test_sandbox(), options);
  return tool.invoke(args);
}

// Values of `expr` (SymPy's printing of a function of `var`) at each point,
// with other symbols bound as in `fixed`.
std::vector<std::complex<double>> values_of(const std::string& expr, const std::vector<double>& points,
                                            const std::string& var = "x", const json& fixed = json::object()) {
  const char* checker = R"PY(
import cmath, json, math, sys
req = json.loads(sys.stdin.read())
names = {"sqrt": cmath.sqrt, "exp": cmath.exp, "log": cmath.log, "sin": cmath.sin, "cos": cmath.cos,
         "tan": cmath.tan, "pi": math.pi, "E": math.e, "I": 1j, "erf": math.erf, "Abs": abs}
out = []
for x in req["points"]:
    scope = dict(names, **req["fixed"])
    scope[req["var"]] = x
    v = complex(eval(req["expr"], {"__builtins__": {}}, scope))
    out.append([v.real, v.imag])
print(json.dumps(out))
)PY";
  sandbox::ExecRequest req;
  req.code = checker;
  req.stdin_data = json{{"expr", expr}, {"points", points}, {"var", var}, {"fixed", fixed}}.dump();
  sandbox::ExecResult r = test_sandbox()->run(req);
  EXPECT_TRUE(r.succeeded()) << r.stderr_data;
  std::vector<std::complex<double>> values;
  if (!r.succeeded()) return values;
  for (const auto& v : json::parse(r.stdout_data)) values.emplace_back(v[0].get<double>(), v[1].get<double>());
  return values;
}

void expect_close(std::complex<double> got, double want, double tolerance, const std::string& what) {
  EXPECT_NEAR(got.real(), want, tolerance * std::max(1.0, std::abs(want))) << what;
  EXPECT_NEAR(got.imag(), 0.0, tolerance * std::max(1.0, std::abs(want))) << what;
}

double simpson(double (*f)(double), double a, double b, int n = 20000) {
  double h = (b - a) / n, sum = f(a) + f(b);
  for (int i = 1; i < n; ++i) sum += f(a + i * h) * (i % 2 ? 4 : 2);
  return sum * h / 3;
}

const std::vector<double> kPoints = {-1.3, -0.4, 0.2, 0.9, 2.0};

TEST(MathTool, DerivativeMatchesNumericDifferentiation) {
  auto f = [](double x) { return std::sin(x) * std::exp(2 * x) + x * x * x; };
  ToolResult r = math({{"operation", "differentiate"}, {"expression", "sin(x)*exp(2*x) + x**3"}, {"variable", "x"}});
  ASSERT_TRUE(r.ok) << r.record.dump();
  std::string derivative = r.record["details"]["result"];
  EXPECT_EQ(r.text, derivative);
  auto got = values_of(derivative, kPoints);
  ASSERT_EQ(got.size(), kPoints.size());
  const double h = 1e-5;
  for (size_t i = 0; i < kPoints.size(); ++i) {
    double x = kPoints[i];
    expect_close(got[i], (f(x + h) - f(x - h)) / (2 * h), 1e-6, derivative);
  }
}

TEST(MathTool, SecondDerivative) {
  auto f = [](double x) { return x * x * x * x - 3 * x * x + std::cos(x); };
  ToolResult r = math({{"operation", "differentiate"}, {"expression", "x^4 - 3x^2 + cos(x)"}, {"order", 2}});
  ASSERT_TRUE(r.ok) << r.record.dump();
  EXPECT_EQ(r.record["details"]["variable"], "x");  // the only symbol
  auto got = values_of(r.record["details"]["result"], kPoints);
  ASSERT_EQ(got.size(), kPoints.size());
  const double h = 1e-3;
  for (size_t i = 0; i < kPoints.size(); ++i) {
    double x = kPoints[i];
    expect_close(got[i], (f(x + h) - 2 * f(x) + f(x - h)) / (h * h), 1e-4, r.text);
  }
}

TEST(MathTool, IndefiniteIntegralDifferentiatesBack) {
  ToolResult r = math({{"operation", "integrate"}, {"expression", "x**2*cos(x)"}, {"variable", "x"}});
  ASSERT_TRUE(r.ok) << r.record.dump();
  std::string antiderivative = r.record["details"]["result"];
  const double h = 1e-5;
  std::vector<double> around;
  for (double x : kPoints) {
    around.push_back(x + h);
    around.push_back(x - h);
  }
  auto got = values_of(antiderivative, around);
  ASSERT_EQ(got.size(), around.size());
  for (size_t i = 0; i < kPoints.size(); ++i) {
    double x = kPoints[i];
    std::complex<double> slope = (got[2 * i] - got[2 * i + 1]) / (2 * h);
    expect_close(slope, x * x * std::cos(x), 1e-6, antiderivative);
  }
}

TEST(MathTool, DefiniteIntegralsMatchSimpson) {
  ToolResult r = math({{"operation", "integrate"}, {"expression", "x*exp(-x)"}, {"lower", 0}, {"upper", "3"}});
  ASSERT_TRUE(r.ok) << r.record.dump();
  double want = simpson([](double x) { return x * std::exp(-x); }, 0, 3);
  EXPECT_NEAR(std::stod(r.record["details"]["numeric"].get<std::string>()), want, 1e-9);

  // An infinite bound, with a closed form SymPy has to find (sqrt(pi)/2).
  r = math({{"operation", "integrate"}, {"expression", "exp(-x**2)"}, {"lower", "0"}, {"upper", "oo"}});
  ASSERT_TRUE(r.ok) << r.record.dump();
  want = simpson([](double x) { return std::exp(-x * x); }, 0, 12);
  EXPECT_NEAR(std::stod(r.record["details"]["numeric"].get<std::string>()), want, 1e-9);
  EXPECT_NE(r.text.find("(approx. "), std::string::npos) << r.text;
}

double cubic(double x) { return x * x * x - 6 * x * x + 11 * x - 6; }

TEST(MathTool, SolutionsSatisfyTheEquation) {
  ToolResult r = math({{"operation", "solve"}, {"expression", "x**3 - 6*x**2 + 11*x - 6"}, {"variable", "x"}});
  ASSERT_TRUE(r.ok) << r.record.dump();
  const json& d = r.record["details"];
  ASSERT_EQ(d["solutions"].size(), 3u);
  std::set<double> distinct;
  for (const auto& n : d["numeric"]) {
    double s = std::stod(n.get<std::string>());
    EXPECT_NEAR(cubic(s), 0.0, 1e-9) << s;
    distinct.insert(std::round(s * 1e6));
  }
  EXPECT_EQ(distinct.size(), 3u);
  // The model's text names each solution.
  for (const auto& s : d["solutions"]) EXPECT_NE(r.text.find("x = " + s.get<std::string>()), std::string::npos);
}

TEST(MathTool, IrrationalAndComplexSolutionsBySubstitution) {
  ToolResult r = math({{"operation", "solve"}, {"expression", "x**2 - 2"}});
  ASSERT_TRUE(r.ok) << r.record.dump();
  ASSERT_EQ(r.record["details"]["solutions"].size(), 2u);
  for (const auto& n : r.record["details"]["numeric"]) {
    double s = std::stod(n.get<std::string>());
    EXPECT_NEAR(s * s - 2, 0.0, 1e-12);
  }
  r = math({{"operation", "solve"}, {"expression", "x**2 + 2*x + 5"}});
  ASSERT_TRUE(r.ok) << r.record.dump();
  ASSERT_EQ(r.record["details"]["solutions"].size(), 2u);
  for (const auto& s : r.record["details"]["solutions"]) {
    // The solution is a constant; evaluate it, then substitute in C++.
    std::complex<double> z = values_of(s.get<std::string>(), {0.0}).at(0);
    EXPECT_LT(std::abs(z * z + 2.0 * z + 5.0), 1e-12) << s;
  }
}

TEST(MathTool, EquationWithEqualsSign) {
  ToolResult r = math({{"operation", "solve"}, {"expression", "3*x + 4 = 2*x - 7"}});
  ASSERT_TRUE(r.ok) << r.record.dump();
  ASSERT_EQ(r.record["details"]["numeric"].size(), 1u);
  double x = std::stod(r.record["details"]["numeric"][0].get<std::string>());
  EXPECT_NEAR(3 * x + 4, 2 * x - 7, 1e-12);
}

TEST(MathTool, SimplifiedFormHasTheSameValues) {
  auto original = [](double x) { return (x * x - 1) / (x - 1) + std::sin(x) * std::sin(x) + std::cos(x) * std::cos(x); };
  ToolResult r = math({{"operation", "simplify"}, {"expression", "(x**2 - 1)/(x - 1) + sin(x)**2 + cos(x)**2"}});
  ASSERT_TRUE(r.ok) << r.record.dump();
  std::string simplified = r.record["details"]["result"];
  EXPECT_EQ(simplified.find("sin"), std::string::npos) << simplified;  // it did simplify
  EXPECT_EQ(simplified.find('/'), std::string::npos) << simplified;
  auto got = values_of(simplified, kPoints);
  ASSERT_EQ(got.size(), kPoints.size());
  for (size_t i = 0; i < kPoints.size(); ++i) expect_close(got[i], original(kPoints[i]), 1e-12, simplified);
}

std::string to_string(unsigned __int128 v) {
  std::string s;
  do {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v != 0);
  return s;
}

TEST(MathTool, EvaluateIsExact) {
  unsigned __int128 want = static_cast<unsigned __int128>(1) << 100;
  unsigned __int128 f = 1;
  for (int i = 2; i <= 20; ++i) f *= i;
  want += f;
  ToolResult r = math({{"operation", "evaluate"}, {"expression", "2**100 + factorial(20)"}});
  ASSERT_TRUE(r.ok) << r.record.dump();
  EXPECT_EQ(r.record["details"]["result"], to_string(want));
  EXPECT_EQ(r.text, to_string(want));  // an exact integer needs no approximation

  r = math({{"operation", "evaluate"}, {"expression", "sqrt(2)*sqrt(8) + pi"}});
  ASSERT_TRUE(r.ok) << r.record.dump();
  EXPECT_NEAR(std::stod(r.record["details"]["numeric"].get<std::string>()), 4 + M_PI, 1e-12);
}

TEST(MathTool, BadExpressionsAreParseErrors) {
  for (const char* expr : {"2 +* x", "__import__('os').system('id')", "x.__class__", "(1).real", "x[0]", ""}) {
    ToolResult r = math({{"operation", "simplify"}, {"expression", expr}});
    EXPECT_FALSE(r.ok) << expr;
    EXPECT_EQ(r.error_class, "parse_error") << expr << ": " << r.record.dump();
    EXPECT_EQ(r.text.rfind("error: ", 0), 0u) << r.text;
  }
  ToolResult r = math({{"operation", "evaluate"}, {"expression", "x = 2"}});
  EXPECT_EQ(r.error_class, "parse_error");
}

TEST(MathTool, AmbiguousVariableMustBeNamed) {
  ToolResult r = math({{"operation", "differentiate"}, {"expression", "x*y**2"}});
  EXPECT_EQ(r.error_class, "missing_variable");
  EXPECT_EQ(r.text, "error: the expression has several symbols (x, y); give 'variable'");
  r = math({{"operation", "differentiate"}, {"expression", "x*y**2"}, {"variable", "y"}});
  ASSERT_TRUE(r.ok) << r.record.dump();
  // d/dy of x*y**2 at x = 1.7, numerically.
  const double x = 1.7, h = 1e-5;
  auto got = values_of(r.record["details"]["result"], kPoints, "y", {{"x", x}});
  ASSERT_EQ(got.size(), kPoints.size());
  for (size_t i = 0; i < kPoints.size(); ++i) {
    double y = kPoints[i];
    expect_close(got[i], (x * (y + h) * (y + h) - x * (y - h) * (y - h)) / (2 * h), 1e-6, r.text);
  }
}

TEST(MathTool, UnknownOperationIsRejectedBySchema) {
  ToolResult r = math({{"operation", "factor"}, {"expression", "x**2 - 1"}});
  EXPECT_EQ(r.error_class, "bad_arguments");
  EXPECT_EQ(r.record["outcome"], "bad_call");
}

TEST(MathTool, RunawayComputationTimesOut) {
  MathToolOptions o;
  o.limits.wall_seconds = 1.5;
  ToolResult r = math({{"operation", "evaluate"}, {"expression", "factorial(factorial(20))"}}, o);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_class, "timeout") << r.record.dump();
  EXPECT_EQ(r.text, "error: the computation took longer than 1.5 s");
}

}  // namespace
}  // namespace agentcoder::tools
