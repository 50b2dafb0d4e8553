// libFuzzer target: a task file (JSONL) through data::parse_tasks, lenient
// and strict. Bad lines are issues and strict mode's InputError is expected;
// anything else (a crash, a sanitizer report, another exception) is a bug.
#include <cstdint>
#include <string>

#include "data/task_file.h"
#include "utils/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  agentcoder::data::parse_tasks(text, "fuzz.jsonl", /*strict=*/false);
  try {
    agentcoder::data::parse_tasks(text, "fuzz.jsonl", /*strict=*/true);
  } catch (const agentcoder::InputError&) {
  }
  return 0;
}
