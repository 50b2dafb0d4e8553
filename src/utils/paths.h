// Where the harness keeps what it downloads and builds: AGENTCODER_HOME,
// by default ~/.cache/agentcoder (scripts/common.sh uses the same rule).
#pragma once

#include <string>

namespace agentcoder {

std::string agentcoder_home();
// The default model fetched by scripts/fetch_model.sh.
std::string default_model_path();
// The interpreter of the project's Python environment (scripts/setup_python.sh).
std::string project_python();

}  // namespace agentcoder
