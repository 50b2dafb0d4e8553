// The distractor of Mode::distractor: the one tool offered, a weather lookup
// whose schema cannot help with any task of the study (the hallucination
// probe of SimpleToolHalluBench, arXiv 2510.22977). Like a task's own
// functions (BFCL) it exists only as a schema: a call to it is recorded with
// error_class kNotRunByDesign and never run, and the episode ends at its
// first reply. Its name, description and schema are part of the rendered
// first turn and so of the episode key: changing them re-runs the mode.
#pragma once

#include "models/chat_types.h"

namespace agentcoder::agent {

models::ToolSchema distractor_tool();

}  // namespace agentcoder::agent
