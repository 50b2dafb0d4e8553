// The decision probe: at the first reply of an episode where the model
// decides (free, no_tools, distractor: model_decides()), the probability
// that the reply starts a tool call, before any token of it is sampled. In
// no_tools and distractor that is the propensity to a hallucinated call.
//
// p_tool = sum over the openers o of P(reply's tokens begin with tokens(o)),
// each term by the chain rule, teacher-forced after the prompt
// (models::GenerationRequest::probe_sequences). The openers are the strings
// that start a call in the episode's format (tool_call_openers()); tokens(o)
// is the canonical tokenization of o as a continuation of the prompt (no
// BOS). Replies that spell an opener with other tokens are not counted, so
// p_tool is a lower bound of the probability that the reply's text starts
// with an opener. The set is prefix-free in tokens (an opener whose tokens
// begin with another's is dropped: the shorter covers it), so the terms are
// probabilities of disjoint events and their sum is a probability.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/chat_template.h"
#include "models/engine.h"

namespace agentcoder::agent {

struct ProbeOpener {
  std::string opener;           // the text that starts a call
  std::vector<int32_t> tokens;  // its canonical tokens after the prompt
  double p = 0;                 // P(the reply begins with these tokens)

  bool operator==(const ProbeOpener&) const = default;
};

// The strings that start a call in the rendered chat's format: the native
// template's trigger words (none for a template whose tool grammar is not
// lazy: then nothing is probed), or in the harness format its call opener
// and, where fenced code is a call, the fences its parser runs.
std::vector<std::string> tool_call_openers(const models::RenderedChat& rendered);

// Drops every opener whose tokens begin with those of another (or equal
// them), keeping the shorter; the order of the rest is kept.
std::vector<ProbeOpener> prefix_free(const std::vector<ProbeOpener>& openers);

// tool_call_openers() tokenized by the engine, prefix-free; p left 0.
std::vector<ProbeOpener> probe_openers(const models::Engine& engine, const models::RenderedChat& rendered);

}  // namespace agentcoder::agent
