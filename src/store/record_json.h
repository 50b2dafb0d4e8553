// Episodes as JSON: the line format of `agentcoder trace export` and of
// ResultsStore::export_jsonl, and its reader (the tests read an export back
// with it).
//
// A line: {"run", "episode_key", "session_id", "stored_at", "key": {...},
// the EpisodeRecord fields by name, "steps": [{..., "index",
// "tool_calls": [{..., "index"}]}]}. p_tool/p_text are null when not
// measured; "probe_openers" is [{"opener", "tokens", "p"}] (empty when not
// measured); tool "arguments" stay a JSON string, as the model wrote them.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "store/episode_record.h"

namespace agentcoder::store {

nlohmann::ordered_json episode_to_json(const EpisodeRecord& record);
nlohmann::ordered_json stored_episode_to_json(const std::string& run_name, const StoredEpisode& episode);

// The record in a line written above; throws InputError naming the field.
EpisodeRecord episode_from_json(const nlohmann::json& j);

// The decision probe's openers as stored in episodes.probe_openers and in
// the line format: [{"opener": "...", "tokens": [ids], "p": x}]. The reader
// throws nlohmann's exceptions on another shape.
nlohmann::json probe_openers_to_json(const std::vector<ProbeOpenerRecord>& openers);
std::vector<ProbeOpenerRecord> probe_openers_from_json(const nlohmann::json& j);

// One line: compact, with bad UTF-8 replaced rather than throwing.
std::string json_line(const nlohmann::ordered_json& j);

}  // namespace agentcoder::store
