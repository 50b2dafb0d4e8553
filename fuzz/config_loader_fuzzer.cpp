// libFuzzer target: an experiment config (TOML) through
// experiment::parse_run_config. InputError is the expected way to refuse it;
// anything else is a bug.
#include <cstdint>
#include <string>

#include "experiment/run_config.h"
#include "utils/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    agentcoder::experiment::parse_run_config(std::string(reinterpret_cast<const char*>(data), size),
                                             "/fuzz/config.toml");
  } catch (const agentcoder::InputError&) {
  }
  return 0;
}
