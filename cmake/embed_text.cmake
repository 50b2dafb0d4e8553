# Writes OUTPUT, a C++ file defining `const char NAMESPACE::SYMBOL[]` with the
# text of INPUT, so a script ships inside the binary. Run with cmake -P.
file(READ ${INPUT} text)
string(FIND "${text}" ")AC_EMBED\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter")
endif()
get_filename_component(source_name ${INPUT} NAME)
file(WRITE ${OUTPUT}
  "// Generated from ${source_name} by cmake/embed_text.cmake; do not edit.\n"
  "namespace ${NAMESPACE} {\n"
  "extern const char ${SYMBOL}[];\n"
  "const char ${SYMBOL}[] = R\"AC_EMBED(${text})AC_EMBED\";\n"
  "}  // namespace ${NAMESPACE}\n")
