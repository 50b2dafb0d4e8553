# Writes OUTPUT, a C++ file defining kMathRunnerSource with the text of INPUT.
file(READ ${INPUT} text)
string(FIND "${text}" ")AC_SCRIPT\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter")
endif()
file(WRITE ${OUTPUT}
  "// Generated from src/tools/math_runner.py by embed_script.cmake; do not edit.\n"
  "namespace agentcoder::tools {\n"
  "extern const char kMathRunnerSource[];\n"
  "const char kMathRunnerSource[] = R\"AC_SCRIPT(${text})AC_SCRIPT\";\n"
  "}  // namespace agentcoder::tools\n")
