// The harness's source tree as it was when this binary was built: its git
// commit ("unknown" outside a git checkout) and whether tracked files had
// uncommitted changes. Defined by a source that cmake/build_info.cmake
// generates on every build, so a binary built at one commit and run after a
// checkout of another still reports the one it was built from.
#pragma once

namespace agentcoder {

const char* build_git_commit();
bool build_tree_modified();

}  // namespace agentcoder
