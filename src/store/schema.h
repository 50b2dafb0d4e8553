// The results file's SQL schema and its version. Tables:
//   schema_version  one row: the version this file was written with;
//   runs            name, config, manifest;
//   sessions        each start or resume of a run: time, config hash, manifest;
//   episodes        one row per (run, episode key): flat typed columns for
//                   pandas, JSON text columns for nested data;
//   steps           one row per model turn of an episode;
//   tool_calls      one row per call made from a step;
//   tasks           the run's tasks as posed (version 2);
//   scores          one score per episode, from `agentcoder score` (version 2).
// Version 3 renamed episodes.outcome to stop_reason. Version 4 made
// tool_calls.executed say whether the tool ran: before, it was 1 for every
// call handed to the tools, also those refused before running (unknown tool,
// arguments failing the schema) or stopped by our machinery. Opening an
// older file read-write upgrades it in place (the values are corrected from
// each call's record); a read-only reader corrects them as it loads. Files
// written since version 4 also leave episodes.p_tool NULL in the forced
// modes (it is measured in free, and in no_tools and distractor in runs made
// since the probe covered them) and p_text always NULL; older files keep the
// values they were written with (a probe in every mode, p_text = 1 - p_tool),
// which the metrics never read: they read p_tool only where the model decides.
// Version 5 added episodes.probe_openers, the terms of p_tool as JSON text
// [{"opener": "<tool_call>", "tokens": [ids], "p": x}], NULL where p_tool
// is. Since version 5 p_tool is the probability that the first reply begins
// with one of these openers' canonical tokens, by the chain rule over each
// opener's tokens (agent/decision_probe.h); before, it summed the
// probabilities of the openers' first tokens alone (a reply starting with
// "<" counted as "<tool_call>"), and files upgraded to version 5 keep those
// values with probe_openers NULL: tell them apart by that NULL.
// Version 6 added episodes.sample, the repeated sample's index
// (EpisodeKey::sample; also in key_json, which readers take it from); an
// older file gets the column, 0, when opened read-write: it holds one
// sample per condition.
// ensure_schema creates what is missing (idempotent, safe from several
// processes at once) and refuses a file written by a newer schema.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "utils/sqlite_db.h"

namespace agentcoder::store {

constexpr int kSchemaVersion = 6;

// Creates or checks the schema (read-write connections).
void ensure_schema(Db& db);

// The version of an existing file; throws InputError naming the file when it
// is not a results database or is newer than this build.
int check_schema(Db& db);

// Read-only connections may open a version 1 file, which lacks the newer
// tables, and a version 1 or 2 file, whose episodes.stop_reason is still
// called outcome.
bool has_table(Db& db, const char* name);
bool has_column(Db& db, const char* table, const char* column);

// Whether a call stored before version 4 ran: stored executed, and neither
// refused (error class unknown_tool, bad_arguments, tools_not_offered,
// internal_error) nor recorded with outcome bad_call or internal_error
// (tools/tool.h).
bool call_ran_before_version_4(bool stored_executed, const std::string& error_class, const nlohmann::json& record);

}  // namespace agentcoder::store
