# Writes OUTPUT, a C++ file defining kRunnerSource with the text of INPUT.
file(READ ${INPUT} text)
string(FIND "${text}" ")AC_RUNNER\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter")
endif()
file(WRITE ${OUTPUT}
  "// Generated from src/sandbox/zygote.py by embed_runner.cmake; do not edit.\n"
  "namespace agentcoder::sandbox {\n"
  "extern const char kRunnerSource[];\n"
  "const char kRunnerSource[] = R\"AC_RUNNER(${text})AC_RUNNER\";\n"
  "}  // namespace agentcoder::sandbox\n")
