// The hidden-state probe (`agentcoder probe RUN`): does a model's hidden
// state at the last token of a free episode's first prompt (stored by a run
// with `[probe] hidden_layers`, store/hidden_states_file.h) tell whether the
// task needs the tool, and whether the model will call one? Per variant and
// layer: a cross-validated logistic-regression probe for each label, its
// AUROC with a bootstrap CI, and the cosine between the two probes'
// directions (near 0: the model represents need and action apart; the
// knowing-doing split). Definitions in src/evaluation/README.md.
//
// The fitting is scikit-learn's: probe.py (embedded in the binary) run by
// the project's Python environment (utils/paths.h project_python()).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "evaluation/necessity.h"
#include "evaluation/scored_episode.h"
#include "store/hidden_states_file.h"

namespace agentcoder::evaluation {

// One free episode with a hidden-state row: its labels and its row.
struct ProbeExample {
  std::string key_id;
  std::string variant;
  std::string task_id;                    // the folds and resamples keep a task's episodes together
  const store::HiddenRow* row = nullptr;  // into the HiddenStates given
  std::optional<bool> needs;              // the task's necessity for its variant and format (necessity.h)
  bool calls = false;                     // first decision a call or a malformed attempt at one
};

// The free episodes of `episodes` that have a row in `hidden` (the last
// row of an id), ordered by episode id (not by the episodes' order, which
// the store's insertion order sets: the folds follow this order); "needs the tool" is task_necessity()'s
// `necessary` at `necessity_threshold` (evaluation/necessity.h).
std::vector<ProbeExample> probe_examples(const std::vector<ScoredEpisode>& episodes, const store::HiddenStates& hidden,
                                         double necessity_threshold = kDefaultNecessityThreshold);

struct ProbeOptions {
  int folds = 5;         // cross-validation folds (fewer when a class is smaller)
  int bootstrap = 1000;  // resamples of the tasks for each AUROC's CI; 0 = none
  uint64_t seed = 1;     // folds and resamples
  std::string python;    // the interpreter; "" = project_python()
};

// Runs probe.py over the examples, one group per variant. Returns its JSON
// (README "The hidden-state probe"): {"layers", "folds", "bootstrap",
// "groups": [{"variant", "width", "episodes", "layers": [{"layer", "needs",
// "calls", "cosine"}]}]}. Throws InputError when the interpreter or
// scikit-learn is missing, std::runtime_error when the script fails.
nlohmann::ordered_json run_probe(const std::vector<ProbeExample>& examples, const store::HiddenStatesHeader& header,
                                 const ProbeOptions& options);

}  // namespace agentcoder::evaluation
