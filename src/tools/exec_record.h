// An ExecResult as JSON, for the records of tools that run code in the
// sandbox. Every field is kept, stdout and stderr in full (as far as the
// sandbox captured them).
#pragma once

#include <nlohmann/json.hpp>

#include "sandbox/sandbox.h"

namespace agentcoder::tools {

nlohmann::json exec_result_json(const sandbox::ExecResult& result);

}  // namespace agentcoder::tools
