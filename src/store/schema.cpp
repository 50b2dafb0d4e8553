#include "store/schema.h"

#include <string>
#include <utility>
#include <vector>

#include "utils/errors.h"

namespace agentcoder::store {
namespace {

// Columns are declared with types so that pandas gets ints and floats; no
// STRICT tables, which SQLite before 3.37 (older Pythons) cannot open.
const char* const kTables = R"sql(
CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
  run_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  config_sha256 TEXT NOT NULL,
  config_text TEXT NOT NULL,
  config_json TEXT NOT NULL,
  manifest_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  session_id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  started_at TEXT NOT NULL,
  kind TEXT NOT NULL,
  config_sha256 TEXT NOT NULL,
  config_changed INTEGER NOT NULL,
  manifest_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS episodes (
  episode_id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  session_id INTEGER NOT NULL REFERENCES sessions(session_id),
  episode_key TEXT NOT NULL,
  key_json TEXT NOT NULL,
  task_id TEXT NOT NULL,
  task_sha256 TEXT NOT NULL,
  model_sha256 TEXT NOT NULL,
  adapters_json TEXT NOT NULL,
  prompt_format TEXT NOT NULL,
  prompt_sha256 TEXT NOT NULL,
  mode TEXT NOT NULL,
  seed INTEGER NOT NULL,
  sample INTEGER NOT NULL DEFAULT 0,
  tools TEXT NOT NULL,
  tool_schema_sha256 TEXT NOT NULL,
  settings_json TEXT NOT NULL,
  variant TEXT NOT NULL,
  category TEXT NOT NULL,
  difficulty TEXT NOT NULL,
  optimal_tool TEXT NOT NULL,
  stop_reason TEXT NOT NULL,
  final_answer TEXT NOT NULL,
  first_decision TEXT NOT NULL,
  first_tool TEXT NOT NULL,
  p_tool REAL,
  p_text REAL,
  probe_openers TEXT,
  prompt_tokens INTEGER NOT NULL,
  generated_tokens INTEGER NOT NULL,
  prompt_eval_ms REAL NOT NULL,
  decode_ms REAL NOT NULL,
  tool_ms REAL NOT NULL,
  queue_ms REAL NOT NULL,
  wall_ms REAL NOT NULL,
  step_count INTEGER NOT NULL,
  tool_call_count INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  stored_at TEXT NOT NULL,
  error TEXT NOT NULL,
  extra_json TEXT NOT NULL,
  UNIQUE (run_id, episode_key)
);
CREATE TABLE IF NOT EXISTS steps (
  episode_id INTEGER NOT NULL REFERENCES episodes(episode_id) ON DELETE CASCADE,
  step_index INTEGER NOT NULL,
  prefill TEXT NOT NULL,
  model_text TEXT NOT NULL,
  reply_kind TEXT NOT NULL,
  generation_stop TEXT NOT NULL,
  content TEXT NOT NULL,
  parse_errors_json TEXT NOT NULL,
  repairs_json TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  prefix_reused_tokens INTEGER NOT NULL,
  generated_tokens INTEGER NOT NULL,
  queue_ms REAL NOT NULL,
  prompt_eval_ms REAL NOT NULL,
  decode_ms REAL NOT NULL,
  tool_call_count INTEGER NOT NULL,
  PRIMARY KEY (episode_id, step_index)
);
CREATE TABLE IF NOT EXISTS tool_calls (
  episode_id INTEGER NOT NULL,
  step_index INTEGER NOT NULL,
  call_index INTEGER NOT NULL,
  call_id TEXT NOT NULL,
  tool TEXT NOT NULL,
  arguments TEXT NOT NULL,
  executed INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  error_class TEXT NOT NULL,
  result TEXT NOT NULL,
  record_json TEXT NOT NULL,
  wall_ms REAL NOT NULL,
  PRIMARY KEY (episode_id, step_index, call_index),
  FOREIGN KEY (episode_id, step_index) REFERENCES steps(episode_id, step_index) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS tasks (
  run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  task_id TEXT NOT NULL,
  task_sha256 TEXT NOT NULL,
  task_json TEXT NOT NULL,
  PRIMARY KEY (run_id, task_id, task_sha256)
);
CREATE TABLE IF NOT EXISTS scores (
  run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  episode_key TEXT NOT NULL,
  scorer_version TEXT NOT NULL,
  check_kind TEXT NOT NULL,
  correct INTEGER,
  score REAL NOT NULL,
  extracted_answer TEXT NOT NULL,
  detail_json TEXT NOT NULL,
  fabrication_claim INTEGER NOT NULL,
  fabrication_false INTEGER,
  scored_at TEXT NOT NULL,
  PRIMARY KEY (run_id, episode_key)
);
CREATE INDEX IF NOT EXISTS sessions_by_run ON sessions(run_id);
)sql";

}  // namespace

bool has_column(Db& db, const char* table, const char* column) {
  Statement s(db, std::string("SELECT 1 AS found FROM pragma_table_info('") + table + "') WHERE name = :name");
  s.bind(":name", std::string(column));
  return s.step();
}

bool has_table(Db& db, const char* name) {
  Statement s(db, "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = :name");
  s.bind(":name", std::string(name));
  return s.step();
}

namespace {

int64_t table_count(Db& db) {
  Statement s(db, "SELECT count(*) AS n FROM sqlite_master");
  s.step();
  return s.integer("n");
}

int stored_version(Db& db) {
  Statement s(db, "SELECT max(version) AS version FROM schema_version");
  if (!s.step() || s.is_null("version")) return 0;
  return static_cast<int>(s.integer("version"));
}

}  // namespace

bool call_ran_before_version_4(bool stored_executed, const std::string& error_class, const nlohmann::json& record) {
  if (!stored_executed) return false;
  for (const char* refused : {"bad_arguments", "unknown_tool", "tools_not_offered", "internal_error"})
    if (error_class == refused) return false;
  if (record.is_object() && record.contains("outcome") && record["outcome"].is_string()) {
    const std::string outcome = record["outcome"].get<std::string>();
    if (outcome == "bad_call" || outcome == "internal_error") return false;
  }
  return true;
}

namespace {

// Version 4: executed = 0 for the calls that did not run. Parsed here rather
// than with SQL's json_extract, which older SQLite builds lack.
void correct_executed(Db& db) {
  std::vector<std::pair<int64_t, bool>> rows;
  {
    Statement s(db, "SELECT rowid AS id, error_class, record_json FROM tool_calls WHERE executed != 0");
    while (s.step()) {
      nlohmann::json record = nlohmann::json::parse(s.text("record_json"), nullptr, /*allow_exceptions=*/false);
      rows.emplace_back(s.integer("id"), call_ran_before_version_4(true, s.text("error_class"), record));
    }
  }
  Statement update(db, "UPDATE tool_calls SET executed = 0 WHERE rowid = :id");
  for (const auto& [id, ran] : rows) {
    if (ran) continue;
    update.bind(":id", id).run();
    update.reset();
  }
}

}  // namespace

int check_schema(Db& db) {
  if (!has_table(db, "schema_version"))
    throw InputError(db.path() + ": not a results database (no schema_version table)");
  int version = stored_version(db);
  if (version > kSchemaVersion)
    throw InputError(db.path() + ": written by a newer agentcoder (results schema " + std::to_string(version) +
                     ", this build reads up to " + std::to_string(kSchemaVersion) + ")");
  if (version < 1) throw InputError(db.path() + ": not a results database (no schema version)");
  return version;
}

void ensure_schema(Db& db) {
  Transaction tx(db);
  bool fresh = table_count(db) == 0;
  // Never add our tables to some other program's database.
  if (!fresh) check_schema(db);
  // Version 2 only added tables (tasks, scores): creating what is missing
  // upgrades a version 1 file in place. Version 3 renamed episodes.outcome
  // to stop_reason (one name for why an episode ended).
  if (!fresh && has_column(db, "episodes", "outcome"))
    db.exec("ALTER TABLE episodes RENAME COLUMN outcome TO stop_reason");
  if (!fresh && stored_version(db) < 4 && has_table(db, "tool_calls")) correct_executed(db);
  // Version 5 added episodes.probe_openers; older episodes keep it NULL
  // (their p_tool summed first-token probabilities, see schema.h).
  if (!fresh && has_table(db, "episodes") && !has_column(db, "episodes", "probe_openers"))
    db.exec("ALTER TABLE episodes ADD COLUMN probe_openers TEXT");
  // Version 6 added episodes.sample; older files hold sample 0 only.
  if (!fresh && has_table(db, "episodes") && !has_column(db, "episodes", "sample"))
    db.exec("ALTER TABLE episodes ADD COLUMN sample INTEGER NOT NULL DEFAULT 0");
  db.exec(kTables);
  if (fresh) {
    Statement s(db, "INSERT INTO schema_version (version) VALUES (:version)");
    s.bind(":version", kSchemaVersion).run();
  } else if (stored_version(db) < kSchemaVersion) {
    Statement s(db, "UPDATE schema_version SET version = :version");
    s.bind(":version", kSchemaVersion).run();
  }
  tx.commit();
}

}  // namespace agentcoder::store
