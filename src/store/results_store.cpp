#include "store/results_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "store/record_json.h"
#include "store/schema.h"
#include "utils/sqlite_db.h"
#include "utils/errors.h"
#include "utils/clock.h"

namespace agentcoder::store {
namespace {

// Writers wait this long for each other before failing: several processes
// may put episodes into one file.
constexpr int kBusyTimeoutMs = 30000;

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

nlohmann::json parse_json_column(const std::string& text) {
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

std::string joined(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

// SQLite's header: a file that does not start with it is not a database.
// Checked up front so the error says so, not "file is not a database" later.
void check_sqlite_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char header[16] = {};
  in.read(header, sizeof header);
  if (in.gcount() == 0) return;  // empty: SQLite treats it as a new database
  if (in.gcount() < 16 || std::string(header, 16) != std::string("SQLite format 3\0", 16))
    throw InputError(path + ": not a results database (not an SQLite file)");
}

StoredRun read_run(Statement& s) {
  StoredRun run;
  run.run_id = s.integer("run_id");
  run.created_at = s.text("created_at");
  run.config_sha256 = s.text("config_sha256");
  run.episode_count = s.integer("episode_count");
  run.session_count = s.integer("session_count");
  run.record.name = s.text("name");
  run.record.config_text = s.text("config_text");
  run.record.config = parse_json_column(s.text("config_json"));
  run.record.manifest = parse_json_column(s.text("manifest_json"));
  return run;
}

const char* const kSelectRuns =
    "SELECT r.*, (SELECT count(*) FROM episodes e WHERE e.run_id = r.run_id) AS episode_count, "
    "(SELECT count(*) FROM sessions s WHERE s.run_id = r.run_id) AS session_count FROM runs r ";

StoredEpisode read_episode_row(Statement& s) {
  StoredEpisode e;
  e.episode_id = s.integer("episode_id");
  e.run_id = s.integer("run_id");
  e.session_id = s.integer("session_id");
  e.key_id = s.text("episode_key");
  e.stored_at = s.text("stored_at");
  e.step_count = static_cast<int>(s.integer("step_count"));
  e.tool_call_count = static_cast<int>(s.integer("tool_call_count"));
  EpisodeRecord& r = e.record;
  r.key = episode_key_from_json(parse_json_column(s.text("key_json")));
  r.variant = s.text("variant");
  r.category = s.text("category");
  r.difficulty = s.text("difficulty");
  r.optimal_tool = s.text("optimal_tool");
  r.stop_reason = s.text(s.has_column("stop_reason") ? "stop_reason" : "outcome");  // "outcome" before schema 3
  r.final_answer = s.text("final_answer");
  r.first_decision = s.text("first_decision");
  r.first_tool = s.text("first_tool");
  r.p_tool = s.optional_real("p_tool");
  r.p_text = s.optional_real("p_text");
  if (s.has_column("probe_openers") && !s.is_null("probe_openers"))  // since schema 5
    r.probe_openers = probe_openers_from_json(parse_json_column(s.text("probe_openers")));
  r.prompt_tokens = s.integer("prompt_tokens");
  r.generated_tokens = s.integer("generated_tokens");
  r.prompt_eval_ms = s.real("prompt_eval_ms");
  r.decode_ms = s.real("decode_ms");
  r.tool_ms = s.real("tool_ms");
  r.queue_ms = s.real("queue_ms");
  r.wall_ms = s.real("wall_ms");
  r.started_at = s.text("started_at");
  r.finished_at = s.text("finished_at");
  r.error = s.text("error");
  r.extra = parse_json_column(s.text("extra_json"));
  return e;
}

// WAL: readers (pandas, trace) never block the writer nor see half an
// episode. NORMAL sync: a commit survives a killed process, and the harness
// can afford to redo the last episodes after a power loss.
void set_pragmas(Db& db) {
  {
    Statement wal(db, "PRAGMA journal_mode=WAL");
    if (!wal.step() || wal.text("journal_mode") != "wal")
      throw std::runtime_error(db.path() + ": cannot enable WAL mode");
  }
  db.exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
}

// A new results file is made whole under a temporary name and linked into
// place, so a reader that opens `path` as soon as it exists (a test, a
// watching notebook) never sees a file without its schema. link() fails if
// another process created the file first; then theirs is used.
void create_atomically(const std::string& path) {
  std::string tmp = path + ".new-" + std::to_string(getpid()) + "-" +
                    std::to_string(std::hash<std::thread::id>()(std::this_thread::get_id()));
  {
    Db db(tmp, /*read_only=*/false);
    set_pragmas(db);
    ensure_schema(db);
  }  // closing checkpoints the WAL into the file; WAL mode stays set in its header
  int linked = link(tmp.c_str(), path.c_str());
  int link_errno = errno;
  std::error_code ignored;
  std::filesystem::remove(tmp, ignored);
  if (linked != 0 && link_errno != EEXIST)
    throw std::runtime_error(path + ": cannot create: " + std::strerror(link_errno));
}

bool is_hex(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

ResultsStore::ResultsStore(const std::string& path, Access access) : path_(path) {
  namespace fs = std::filesystem;
  bool read_only = access == Access::read_only;
  std::error_code ec;
  if (read_only) {
    if (!fs::exists(path, ec)) throw MissingFileError(path + ": no such file");
    if (fs::is_directory(path, ec)) throw InputError(path + ": is a directory, not a results file");
  } else {
    fs::path parent = fs::path(path).parent_path();
    if (!parent.empty() && !fs::create_directories(parent, ec) && ec)
      throw InputError(path + ": cannot create its directory: " + ec.message());
    if (fs::is_directory(path, ec)) throw InputError(path + ": is a directory, not a results file");
  }
  if (fs::exists(path, ec)) check_sqlite_header(path);
  else if (!read_only) create_atomically(path);
  db_ = std::make_unique<Db>(path, read_only);
  sqlite3_busy_timeout(db_->handle(), kBusyTimeoutMs);
  if (read_only) {
    schema_version_ = check_schema(*db_);
    return;
  }
  set_pragmas(*db_);
  ensure_schema(*db_);
  schema_version_ = kSchemaVersion;
}

ResultsStore::~ResultsStore() = default;

RunSession ResultsStore::begin_run(const RunRecord& run) {
  if (run.name.empty()) throw InputError(path_ + ": a run needs a name");
  std::lock_guard lock(mutex_);
  Transaction tx(*db_);
  if (std::optional<StoredRun> existing = find_run_locked(run.name))
    throw InputError(path_ + ": run '" + run.name + "' already exists (" + std::to_string(existing->episode_count) +
                     " episodes); resume it or choose another name");
  Statement s(*db_,
              "INSERT INTO runs (name, created_at, config_sha256, config_text, config_json, manifest_json) "
              "VALUES (:name, :created_at, :config_sha256, :config_text, :config_json, :manifest_json)");
  s.bind(":name", run.name)
      .bind(":created_at", utc_now())
      .bind(":config_sha256", run.config_sha256())
      .bind(":config_text", run.config_text)
      .bind(":config_json", dump(run.config))
      .bind(":manifest_json", dump(run.manifest))
      .run();
  RunSession session = open_session(db_->last_insert_rowid(), run, "begin", false);
  tx.commit();
  return session;
}

RunSession ResultsStore::resume_run(const RunRecord& run, bool allow_config_change) {
  std::lock_guard lock(mutex_);
  Transaction tx(*db_);
  std::optional<StoredRun> existing = find_run_locked(run.name);
  if (!existing) throw InputError(path_ + ": no run '" + run.name + "' to resume");
  std::string sha = run.config_sha256();
  bool changed = sha != existing->config_sha256;
  if (changed && !allow_config_change)
    throw InputError(path_ + ": run '" + run.name + "': config differs from the one it began with (sha256 " +
                     sha.substr(0, 12) + " vs " + existing->config_sha256.substr(0, 12) +
                     "); start a new run, or allow the change to keep the episodes whose keys still match");
  RunSession session = open_session(existing->run_id, run, "resume", changed);
  tx.commit();
  return session;
}

RunSession ResultsStore::open_session(int64_t run_id, const RunRecord& run, const char* kind, bool config_changed) {
  Statement s(*db_,
              "INSERT INTO sessions (run_id, started_at, kind, config_sha256, config_changed, manifest_json) "
              "VALUES (:run_id, :started_at, :kind, :config_sha256, :config_changed, :manifest_json)");
  s.bind(":run_id", run_id)
      .bind(":started_at", utc_now())
      .bind(":kind", std::string(kind))
      .bind(":config_sha256", run.config_sha256())
      .bind(":config_changed", config_changed ? 1 : 0)
      .bind(":manifest_json", dump(run.manifest))
      .run();
  return {run_id, db_->last_insert_rowid(), run.name};
}

void ResultsStore::put_variant_resources(const RunSession& session, const VariantResources& resources) {
  std::lock_guard lock(mutex_);
  Transaction tx(*db_);
  nlohmann::json manifest;
  {
    Statement read(*db_, "SELECT manifest_json FROM runs WHERE run_id = :run_id");
    read.bind(":run_id", session.run_id);
    if (!read.step()) throw InputError(path_ + ": no run with id " + std::to_string(session.run_id));
    manifest = parse_json_column(read.text("manifest_json"));
  }
  if (!manifest.is_object()) manifest = nlohmann::json::object();
  manifest["variant_resources"][resources.variant] = to_json(resources);
  Statement write(*db_, "UPDATE runs SET manifest_json = :manifest_json WHERE run_id = :run_id");
  write.bind(":manifest_json", dump(manifest)).bind(":run_id", session.run_id).run();
  tx.commit();
}

std::vector<StoredRun> ResultsStore::runs() {
  std::lock_guard lock(mutex_);
  Statement s(*db_, std::string(kSelectRuns) + "ORDER BY r.run_id");
  std::vector<StoredRun> out;
  while (s.step()) out.push_back(read_run(s));
  return out;
}

std::optional<StoredRun> ResultsStore::find_run(const std::string& name) {
  std::lock_guard lock(mutex_);
  return find_run_locked(name);
}

StoredRun ResultsStore::pick_run(const std::string& name) {
  if (!name.empty()) {
    std::optional<StoredRun> run = find_run(name);
    if (!run) throw InputError(path_ + ": no run '" + name + "'");
    return *run;
  }
  std::vector<StoredRun> all = runs();
  if (all.empty()) throw InputError(path_ + ": holds no runs");
  if (all.size() > 1) {
    std::string names;
    for (const StoredRun& r : all) names += (names.empty() ? "" : ", ") + r.record.name;
    throw InputError(path_ + ": holds " + std::to_string(all.size()) + " runs (" + names + "); pick one with --run");
  }
  return all.front();
}

std::optional<StoredRun> ResultsStore::find_run_locked(const std::string& name) {
  Statement s(*db_, std::string(kSelectRuns) + "WHERE r.name = :name");
  s.bind(":name", name);
  if (!s.step()) return std::nullopt;
  return read_run(s);
}

bool ResultsStore::has_episode(int64_t run_id, const std::string& key_id) {
  std::lock_guard lock(mutex_);
  Statement s(*db_, "SELECT 1 AS found FROM episodes WHERE run_id = :run_id AND episode_key = :key");
  s.bind(":run_id", run_id).bind(":key", key_id);
  return s.step();
}

std::set<std::string> ResultsStore::completed_keys(int64_t run_id) {
  std::lock_guard lock(mutex_);
  Statement s(*db_, "SELECT episode_key FROM episodes WHERE run_id = :run_id");
  s.bind(":run_id", run_id);
  std::set<std::string> keys;
  while (s.step()) keys.insert(s.text("episode_key"));
  return keys;
}

bool ResultsStore::put_episode(const RunSession& session, const EpisodeRecord& e) {
  std::string key_id = e.key.id();  // validates the key (InputError)
  std::lock_guard lock(mutex_);
  Transaction tx(*db_);
  Statement ins(*db_, R"sql(
    INSERT INTO episodes (
      run_id, session_id, episode_key, key_json, task_id, task_sha256, model_sha256, adapters_json,
      prompt_format, prompt_sha256, mode, seed, sample, tools, tool_schema_sha256, settings_json,
      variant, category, difficulty, optimal_tool, stop_reason, final_answer, first_decision, first_tool,
      p_tool, p_text, probe_openers, prompt_tokens, generated_tokens, prompt_eval_ms, decode_ms, tool_ms, queue_ms, wall_ms,
      step_count, tool_call_count, started_at, finished_at, stored_at, error, extra_json)
    VALUES (
      :run_id, :session_id, :episode_key, :key_json, :task_id, :task_sha256, :model_sha256, :adapters_json,
      :prompt_format, :prompt_sha256, :mode, :seed, :sample, :tools, :tool_schema_sha256, :settings_json,
      :variant, :category, :difficulty, :optimal_tool, :stop_reason, :final_answer, :first_decision, :first_tool,
      :p_tool, :p_text, :probe_openers, :prompt_tokens, :generated_tokens, :prompt_eval_ms, :decode_ms, :tool_ms, :queue_ms,
      :wall_ms, :step_count, :tool_call_count, :started_at, :finished_at, :stored_at, :error, :extra_json)
    ON CONFLICT (run_id, episode_key) DO NOTHING)sql");
  nlohmann::json key_json = episode_key_to_json(e.key);
  if (e.probe_openers.empty()) ins.bind_null(":probe_openers");  // not measured
  else ins.bind(":probe_openers", dump(probe_openers_to_json(e.probe_openers)));
  ins.bind(":run_id", session.run_id)
      .bind(":session_id", session.session_id)
      .bind(":episode_key", key_id)
      .bind(":key_json", dump(key_json))
      .bind(":task_id", e.key.task_id)
      .bind(":task_sha256", e.key.task_sha256)
      .bind(":model_sha256", e.key.model_sha256)
      .bind(":adapters_json", dump(key_json["adapters"]))
      .bind(":prompt_format", e.key.prompt_format)
      .bind(":prompt_sha256", e.key.prompt_sha256)
      .bind(":mode", e.key.mode)
      .bind(":seed", static_cast<int64_t>(e.key.seed))
      .bind(":sample", static_cast<int64_t>(e.key.sample))
      .bind(":tools", joined(e.key.tools))
      .bind(":tool_schema_sha256", e.key.tool_schema_sha256)
      .bind(":settings_json", dump(e.key.settings))
      .bind(":variant", e.variant)
      .bind(":category", e.category)
      .bind(":difficulty", e.difficulty)
      .bind(":optimal_tool", e.optimal_tool)
      .bind(":stop_reason", e.stop_reason)
      .bind(":final_answer", e.final_answer)
      .bind(":first_decision", e.first_decision)
      .bind(":first_tool", e.first_tool)
      .bind(":p_tool", e.p_tool)
      .bind(":p_text", e.p_text)
      .bind(":prompt_tokens", e.prompt_tokens)
      .bind(":generated_tokens", e.generated_tokens)
      .bind(":prompt_eval_ms", e.prompt_eval_ms)
      .bind(":decode_ms", e.decode_ms)
      .bind(":tool_ms", e.tool_ms)
      .bind(":queue_ms", e.queue_ms)
      .bind(":wall_ms", e.wall_ms)
      .bind(":step_count", static_cast<int64_t>(e.steps.size()))
      .bind(":tool_call_count", e.tool_call_count())
      .bind(":started_at", e.started_at)
      .bind(":finished_at", e.finished_at)
      .bind(":stored_at", utc_now())
      .bind(":error", e.error)
      .bind(":extra_json", dump(e.extra))
      .run();
  if (db_->changes() == 0) return false;  // already stored: the transaction rolls back, nothing changed
  int64_t episode_id = db_->last_insert_rowid();

  Statement step(*db_, R"sql(
    INSERT INTO steps (episode_id, step_index, prefill, model_text, reply_kind, generation_stop, content,
      parse_errors_json, repairs_json, prompt_tokens, prefix_reused_tokens, generated_tokens, queue_ms,
      prompt_eval_ms, decode_ms, tool_call_count)
    VALUES (:episode_id, :step_index, :prefill, :model_text, :reply_kind, :generation_stop, :content,
      :parse_errors_json, :repairs_json, :prompt_tokens, :prefix_reused_tokens, :generated_tokens, :queue_ms,
      :prompt_eval_ms, :decode_ms, :tool_call_count))sql");
  Statement call(*db_, R"sql(
    INSERT INTO tool_calls (episode_id, step_index, call_index, call_id, tool, arguments, executed, ok,
      error_class, result, record_json, wall_ms)
    VALUES (:episode_id, :step_index, :call_index, :call_id, :tool, :arguments, :executed, :ok,
      :error_class, :result, :record_json, :wall_ms))sql");
  for (size_t i = 0; i < e.steps.size(); ++i) {
    const StepRecord& st = e.steps[i];
    step.reset();
    step.bind(":episode_id", episode_id)
        .bind(":step_index", static_cast<int64_t>(i))
        .bind(":prefill", st.prefill)
        .bind(":model_text", st.model_text)
        .bind(":reply_kind", st.reply_kind)
        .bind(":generation_stop", st.generation_stop)
        .bind(":content", st.content)
        .bind(":parse_errors_json", dump(st.parse_errors))
        .bind(":repairs_json", dump(st.repairs))
        .bind(":prompt_tokens", st.prompt_tokens)
        .bind(":prefix_reused_tokens", st.prefix_reused_tokens)
        .bind(":generated_tokens", st.generated_tokens)
        .bind(":queue_ms", st.queue_ms)
        .bind(":prompt_eval_ms", st.prompt_eval_ms)
        .bind(":decode_ms", st.decode_ms)
        .bind(":tool_call_count", static_cast<int64_t>(st.tool_calls.size()))
        .run();
    for (size_t k = 0; k < st.tool_calls.size(); ++k) {
      const ToolCallRecord& c = st.tool_calls[k];
      call.reset();
      call.bind(":episode_id", episode_id)
          .bind(":step_index", static_cast<int64_t>(i))
          .bind(":call_index", static_cast<int64_t>(k))
          .bind(":call_id", c.call_id)
          .bind(":tool", c.tool)
          .bind(":arguments", c.arguments)
          .bind(":executed", c.executed ? 1 : 0)
          .bind(":ok", c.ok ? 1 : 0)
          .bind(":error_class", c.error_class)
          .bind(":result", c.result)
          .bind(":record_json", dump(c.record))
          .bind(":wall_ms", c.wall_ms)
          .run();
    }
  }
  tx.commit();
  return true;
}

int64_t ResultsStore::erase_episodes(int64_t run_id, const std::vector<std::string>& key_ids) {
  std::lock_guard lock(mutex_);
  Transaction tx(*db_);
  int64_t erased = 0;
  {
    // Steps and tool calls go with their episode (ON DELETE CASCADE); a
    // score would describe an episode that no longer exists.
    Statement s(*db_, "DELETE FROM episodes WHERE run_id = :run_id AND episode_key = :key");
    Statement score(*db_, "DELETE FROM scores WHERE run_id = :run_id AND episode_key = :key");
    for (const std::string& key : key_ids) {
      s.reset();
      s.bind(":run_id", run_id).bind(":key", key).run();
      erased += db_->changes();
      score.reset();
      score.bind(":run_id", run_id).bind(":key", key).run();
    }
  }
  tx.commit();
  return erased;
}

std::vector<StoredEpisode> ResultsStore::list_episodes(int64_t run_id) {
  std::lock_guard lock(mutex_);
  Statement s(*db_, "SELECT * FROM episodes WHERE run_id = :run_id ORDER BY episode_id");
  s.bind(":run_id", run_id);
  std::vector<StoredEpisode> out;
  while (s.step()) out.push_back(read_episode_row(s));
  return out;
}

std::optional<StoredEpisode> ResultsStore::get_episode(int64_t run_id, const std::string& key_id) {
  std::lock_guard lock(mutex_);
  ReadSnapshot snapshot(*db_);
  return get_episode_locked(run_id, key_id);
}

std::optional<StoredEpisode> ResultsStore::get_episode_locked(int64_t run_id, const std::string& key_id) {
  Statement s(*db_, "SELECT * FROM episodes WHERE run_id = :run_id AND episode_key = :key");
  s.bind(":run_id", run_id).bind(":key", key_id);
  if (!s.step()) return std::nullopt;
  StoredEpisode e = read_episode_row(s);
  read_steps(e);
  return e;
}

void ResultsStore::read_steps(StoredEpisode& e) {
  Statement steps(*db_, "SELECT * FROM steps WHERE episode_id = :id ORDER BY step_index");
  steps.bind(":id", e.episode_id);
  while (steps.step()) {
    StepRecord st;
    st.prefill = steps.text("prefill");
    st.model_text = steps.text("model_text");
    st.reply_kind = steps.text("reply_kind");
    st.generation_stop = steps.text("generation_stop");
    st.content = steps.text("content");
    st.parse_errors = parse_json_column(steps.text("parse_errors_json")).get<std::vector<std::string>>();
    st.repairs = parse_json_column(steps.text("repairs_json")).get<std::vector<std::string>>();
    st.prompt_tokens = steps.integer("prompt_tokens");
    st.prefix_reused_tokens = steps.integer("prefix_reused_tokens");
    st.generated_tokens = steps.integer("generated_tokens");
    st.queue_ms = steps.real("queue_ms");
    st.prompt_eval_ms = steps.real("prompt_eval_ms");
    st.decode_ms = steps.real("decode_ms");
    e.record.steps.push_back(std::move(st));
  }
  Statement calls(*db_, "SELECT * FROM tool_calls WHERE episode_id = :id ORDER BY step_index, call_index");
  calls.bind(":id", e.episode_id);
  while (calls.step()) {
    size_t step_index = static_cast<size_t>(calls.integer("step_index"));
    if (step_index >= e.record.steps.size())
      throw std::runtime_error(path_ + ": episode " + e.key_id + ": tool call of a missing step");
    ToolCallRecord c;
    c.call_id = calls.text("call_id");
    c.tool = calls.text("tool");
    c.arguments = calls.text("arguments");
    c.executed = calls.integer("executed") != 0;
    c.ok = calls.integer("ok") != 0;
    c.error_class = calls.text("error_class");
    c.result = calls.text("result");
    c.record = parse_json_column(calls.text("record_json"));
    if (schema_version_ < 4) c.executed = call_ran_before_version_4(c.executed, c.error_class, c.record);
    c.wall_ms = calls.real("wall_ms");
    e.record.steps[step_index].tool_calls.push_back(std::move(c));
  }
}

std::vector<std::string> ResultsStore::keys_with_prefix(int64_t run_id, const std::string& prefix, int limit) {
  if (prefix.empty() || !is_hex(prefix))
    throw InputError("episode '" + prefix + "': expected a prefix of its key (lowercase hex digits)");
  std::lock_guard lock(mutex_);
  // A range on the unique index: keys from the prefix up to the prefix
  // followed by the highest hex digit.
  Statement s(*db_,
              "SELECT episode_key FROM episodes WHERE run_id = :run_id AND episode_key >= :low "
              "AND episode_key <= :high ORDER BY episode_key LIMIT :limit");
  s.bind(":run_id", run_id)
      .bind(":low", prefix)
      .bind(":high", prefix + std::string(64, 'f'))
      .bind(":limit", limit);
  std::vector<std::string> keys;
  while (s.step()) keys.push_back(s.text("episode_key"));
  return keys;
}

void ResultsStore::put_tasks(int64_t run_id, const std::vector<StoredTask>& tasks) {
  std::lock_guard lock(mutex_);
  Transaction tx(*db_);
  Statement ins(*db_, R"sql(
    INSERT INTO tasks (run_id, task_id, task_sha256, task_json) VALUES (:run_id, :task_id, :task_sha256, :task_json)
    ON CONFLICT DO NOTHING)sql");
  for (const StoredTask& t : tasks) {
    ins.bind(":run_id", run_id).bind(":task_id", t.task_id).bind(":task_sha256", t.task_sha256);
    ins.bind(":task_json", t.task_json).run();
    ins.reset();
  }
  tx.commit();
}

std::vector<StoredTask> ResultsStore::tasks(int64_t run_id) {
  std::lock_guard lock(mutex_);
  std::vector<StoredTask> out;
  if (!has_table(*db_, "tasks")) return out;
  Statement s(*db_, "SELECT task_id, task_sha256, task_json FROM tasks WHERE run_id = :run_id ORDER BY rowid");
  s.bind(":run_id", run_id);
  while (s.step()) out.push_back({s.text("task_id"), s.text("task_sha256"), s.text("task_json")});
  return out;
}

void ResultsStore::put_scores(int64_t run_id, const std::vector<ScoreRecord>& scores) {
  std::lock_guard lock(mutex_);
  Transaction tx(*db_);
  Statement known(*db_, "SELECT 1 AS found FROM episodes WHERE run_id = :run_id AND episode_key = :key");
  Statement ins(*db_, R"sql(
    INSERT OR REPLACE INTO scores (run_id, episode_key, scorer_version, check_kind, correct, score, extracted_answer,
                                   detail_json, fabrication_claim, fabrication_false, scored_at)
    VALUES (:run_id, :key, :scorer_version, :check_kind, :correct, :score, :extracted_answer, :detail_json,
            :fabrication_claim, :fabrication_false, :scored_at))sql");
  const std::string now = utc_now();
  auto bind_flag = [&](const char* name, std::optional<bool> v) {
    if (v) ins.bind(name, *v ? 1 : 0);
    else ins.bind_null(name);
  };
  for (const ScoreRecord& r : scores) {
    known.bind(":run_id", run_id).bind(":key", r.key_id);
    if (!known.step()) throw InputError(db_->path() + ": no episode " + r.key_id + " in run " + std::to_string(run_id));
    known.reset();
    ins.bind(":run_id", run_id).bind(":key", r.key_id).bind(":scorer_version", r.scorer_version);
    ins.bind(":check_kind", r.check).bind(":score", r.score).bind(":extracted_answer", r.extracted_answer);
    bind_flag(":correct", r.correct);
    ins.bind(":detail_json", dump(r.detail)).bind(":fabrication_claim", r.fabrication_claim ? 1 : 0);
    bind_flag(":fabrication_false", r.fabrication_false);
    ins.bind(":scored_at", now).run();
    ins.reset();
  }
  tx.commit();
}

std::vector<ScoreRecord> ResultsStore::scores(int64_t run_id) {
  std::lock_guard lock(mutex_);
  std::vector<ScoreRecord> out;
  if (!has_table(*db_, "scores")) return out;
  Statement s(*db_, R"sql(
    SELECT s.* FROM scores s JOIN episodes e ON e.run_id = s.run_id AND e.episode_key = s.episode_key
    WHERE s.run_id = :run_id ORDER BY e.episode_id)sql");
  s.bind(":run_id", run_id);
  auto flag = [&](const char* column) -> std::optional<bool> {
    if (s.is_null(column)) return std::nullopt;
    return s.integer(column) != 0;
  };
  while (s.step()) {
    ScoreRecord r;
    r.key_id = s.text("episode_key");
    r.scorer_version = s.text("scorer_version");
    r.check = s.text("check_kind");
    r.correct = flag("correct");
    r.score = s.real("score");
    r.extracted_answer = s.text("extracted_answer");
    r.detail = parse_json_column(s.text("detail_json"));
    r.fabrication_claim = s.integer("fabrication_claim") != 0;
    r.fabrication_false = flag("fabrication_false");
    r.scored_at = s.text("scored_at");
    out.push_back(std::move(r));
  }
  return out;
}

int64_t ResultsStore::export_jsonl(int64_t run_id, std::ostream& out) {
  std::lock_guard lock(mutex_);
  ReadSnapshot snapshot(*db_);
  std::string run_name;
  {
    Statement r(*db_, "SELECT name FROM runs WHERE run_id = :run_id");
    r.bind(":run_id", run_id);
    if (!r.step()) throw InputError(path_ + ": no run with id " + std::to_string(run_id));
    run_name = r.text("name");
  }
  std::vector<std::string> keys;
  {
    Statement s(*db_, "SELECT episode_key FROM episodes WHERE run_id = :run_id ORDER BY episode_id");
    s.bind(":run_id", run_id);
    while (s.step()) keys.push_back(s.text("episode_key"));
  }
  for (const std::string& key : keys) {
    std::optional<StoredEpisode> e = get_episode_locked(run_id, key);
    out << json_line(stored_episode_to_json(run_name, *e)) << '\n';
  }
  out.flush();
  if (!out) throw std::runtime_error(path_ + ": export: write failed");
  return static_cast<int64_t>(keys.size());
}

}  // namespace agentcoder::store
