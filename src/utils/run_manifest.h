// What a run needs to be reproduced, apart from its config: the git commit
// the harness was built from (and whether that tree had changes; field
// names build_git_commit, build_tree_modified), compiler and library
// versions, the machine (CPU, cores, memory, OS). Modules add their own
// parts (the engine adds llama.cpp's commit and backend; a run adds seeds and
// model hashes).
#pragma once

#include <nlohmann/json.hpp>

namespace agentcoder {

nlohmann::ordered_json environment_manifest();

}  // namespace agentcoder
