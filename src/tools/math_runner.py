# The math tool's program, run inside the sandbox. It reads one request as
# JSON on stdin -- {"operation", "expression", "variable"?, "order"?,
# "lower"?, "upper"?} -- and prints one JSON object on stdout:
#   {"ok": true, "result": str, "numeric": str|null, "solutions": [str]|null, "variable": str|null}
#   {"ok": false, "error_class": "parse_error"|"missing_variable"|"math_error", "error": str}
# The expression is data: it is parsed by sympy's parse_expr with a small
# allow-list of names and no builtins, after a character check that rules
# out attribute access, dunders, subscripts and strings.
import json
import re
import sys

import sympy
from sympy.parsing.sympy_parser import (
    convert_xor,
    function_exponentiation,
    implicit_application,
    implicit_multiplication,
    parse_expr,
    standard_transformations,
)

MAX_LENGTH = 1000
ALLOWED_CHARS = re.compile(r"^[A-Za-z0-9_\s+\-*/^().,=!<>]*$")
ALLOWED_NAMES = [
    "Symbol", "Integer", "Float", "Rational", "Function", "factorial",
    "pi", "E", "I", "oo", "zoo", "nan",
    "sqrt", "cbrt", "root", "exp", "log", "ln", "Abs", "sign", "floor", "ceiling",
    "sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan", "atan2", "acot",
    "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
    "binomial", "gcd", "lcm", "Min", "Max", "re", "im", "conjugate", "gamma", "erf",
    "Sum", "Product", "Eq",
]
# "2x" and "sin x" are read as 2*x and sin(x), but multi-letter names stay
# whole (no split_symbols: "rate" is one symbol, not r*a*t*e).
TRANSFORMATIONS = standard_transformations + (convert_xor, implicit_multiplication, implicit_application,
                                              function_exponentiation)


class Failure(Exception):
    def __init__(self, error_class, message):
        super().__init__(message)
        self.error_class = error_class


def namespace():
    names = {name: getattr(sympy, name) for name in ALLOWED_NAMES if hasattr(sympy, name)}
    names["ln"] = sympy.log
    names["__builtins__"] = {}
    return names


def parse(text, what):
    if not isinstance(text, str) or not text.strip():
        raise Failure("parse_error", f"{what} is empty")
    if len(text) > MAX_LENGTH:
        raise Failure("parse_error", f"{what} is longer than {MAX_LENGTH} characters")
    if not ALLOWED_CHARS.match(text) or "__" in text or re.search(r"\.\s*[A-Za-z_]", text):
        raise Failure("parse_error", f"{what} may use only numbers, names, operators and parentheses")
    try:
        return parse_expr(text, local_dict={}, global_dict=namespace(), transformations=TRANSFORMATIONS)
    except Exception as e:  # parse_expr raises many types for bad input
        raise Failure("parse_error", f"cannot parse {what} {text!r}: {type(e).__name__}: {e}")


def parse_equation(text):
    # "lhs = rhs" (or "==") becomes lhs - rhs; other comparisons are refused.
    parts = re.split(r"(?<![<>!=])==?(?!=)", text)
    if len(parts) > 2:
        raise Failure("parse_error", "the expression has more than one '='")
    if len(parts) == 2:
        return parse(parts[0], "the left side") - parse(parts[1], "the right side"), True
    return parse(text, "the expression"), False


def pick_variable(expr, name):
    if name:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or "__" in name:
            raise Failure("parse_error", f"variable {name!r} is not a name")
        matches = [s for s in expr.free_symbols if s.name == name]
        return matches[0] if matches else sympy.Symbol(name)
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    if len(symbols) == 1:
        return symbols[0]
    if not symbols:
        raise Failure("missing_variable", "the expression has no variable; give 'variable'")
    raise Failure("missing_variable",
                  "the expression has several symbols (" + ", ".join(s.name for s in symbols) + "); give 'variable'")


def numeric(value):
    if getattr(value, "free_symbols", None):
        return None
    try:
        return str(sympy.N(value, 15))
    except Exception:
        return None


def compute(request):
    op = request.get("operation")
    expr, is_equation = parse_equation(request.get("expression"))
    if is_equation and op != "solve":
        raise Failure("parse_error", "an equation ('=') is only meaningful for the operation solve")
    answer = {"ok": True, "result": None, "numeric": None, "solutions": None, "variable": None}
    if op == "evaluate":
        value = expr.doit()
        answer["result"] = str(value)
        answer["numeric"] = numeric(value)
    elif op == "simplify":
        answer["result"] = str(sympy.simplify(expr))
    elif op == "solve":
        var = pick_variable(expr, request.get("variable"))
        solutions = sympy.solve(expr, var, dict=False)
        answer["variable"] = var.name
        answer["solutions"] = [str(s) for s in solutions]
        answer["numeric"] = [numeric(s) for s in solutions]
        answer["result"] = "[" + ", ".join(answer["solutions"]) + "]"
    elif op == "differentiate":
        var = pick_variable(expr, request.get("variable"))
        answer["variable"] = var.name
        answer["result"] = str(sympy.diff(expr, var, int(request.get("order", 1))))
    elif op == "integrate":
        var = pick_variable(expr, request.get("variable"))
        answer["variable"] = var.name
        lower, upper = request.get("lower"), request.get("upper")
        if (lower is None) != (upper is None):
            raise Failure("parse_error", "give both 'lower' and 'upper' for a definite integral, or neither")
        if lower is None:
            answer["result"] = str(sympy.integrate(expr, var))
        else:
            value = sympy.integrate(expr, (var, parse(str(lower), "lower"), parse(str(upper), "upper")))
            answer["result"] = str(value)
            answer["numeric"] = numeric(value)
    else:
        raise Failure("parse_error", f"unknown operation {op!r}")
    return answer


def main():
    try:
        answer = compute(json.loads(sys.stdin.read()))
    except Failure as e:
        answer = {"ok": False, "error_class": e.error_class, "error": str(e)}
    except (RecursionError, MemoryError) as e:
        answer = {"ok": False, "error_class": "math_error", "error": f"{type(e).__name__}: the expression is too large"}
    except Exception as e:
        answer = {"ok": False, "error_class": "math_error", "error": f"{type(e).__name__}: {e}"}
    print(json.dumps(answer))


main()
