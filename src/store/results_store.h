// ResultsStore: one experiment's results in one SQLite file (schema.h), in
// WAL mode so that pandas, `agentcoder trace` or a second process can read
// while a run writes.
//
// Contract:
// - A run is begun once under its name (begin_run) and continued after a
//   crash with resume_run, which refuses a changed config unless told.
// - put_episode writes an episode with all its steps and tool calls in one
//   transaction: a process killed at any moment leaves the whole episode or
//   nothing. An episode is stored at most once per run (UNIQUE(run_id,
//   episode_key)); a second put of the same key changes nothing and returns
//   false, so a resumed run that skips completed_keys() and puts the rest
//   ends with every episode exactly once.
// - Thread-safe: every call takes one internal mutex (one connection).
//   Several ResultsStore objects or processes on one file also work; writers
//   wait for each other up to a busy timeout.
// - Commits are durable against a killed process; after a power loss the
//   last few episodes may be missing (synchronous=NORMAL), never torn.
//
// Errors: InputError (CLI exit 2) for what the user can fix (not a results
// file, unknown run, changed config, invalid key); std::runtime_error for
// SQLite failures.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "store/episode_record.h"
#include "store/run_record.h"
#include "store/score_record.h"
#include "store/variant_resources.h"

namespace agentcoder {
class Db;
}

namespace agentcoder::store {

enum class Access { read_write, read_only };

class ResultsStore {
 public:
  // read_write creates the file (and its directory) and the schema if
  // missing; read_only needs an existing results file. Throws InputError
  // naming the path when the file is not a results database.
  explicit ResultsStore(const std::string& path, Access access = Access::read_write);
  ~ResultsStore();
  ResultsStore(const ResultsStore&) = delete;
  ResultsStore& operator=(const ResultsStore&) = delete;

  const std::string& path() const { return path_; }

  // A new run; throws InputError if the name is taken or empty.
  RunSession begin_run(const RunRecord& run);
  // Continues the run of that name with a new session. Throws InputError if
  // there is none, or if its config hash differs and !allow_config_change.
  // The stored config stays the one the run began with; each session keeps
  // its own config hash and manifest.
  RunSession resume_run(const RunRecord& run, bool allow_config_change);

  // Stores what a variant used in this session (variant_resources.h) in the
  // run's manifest, replacing that variant's earlier figures.
  void put_variant_resources(const RunSession& session, const VariantResources& resources);

  std::vector<StoredRun> runs();
  std::optional<StoredRun> find_run(const std::string& name);
  // The run of that name, or with an empty name the file's only run; throws
  // InputError otherwise (listing the runs when there are several).
  StoredRun pick_run(const std::string& name);

  bool has_episode(int64_t run_id, const std::string& key_id);
  std::set<std::string> completed_keys(int64_t run_id);
  // True when written, false when the run already had this key.
  bool put_episode(const RunSession& session, const EpisodeRecord& episode);

  // Removes these episodes (with their steps and tool calls) so that a
  // resumed run runs them again, e.g. after a transient engine error.
  // Unknown keys are ignored; returns how many were removed.
  int64_t erase_episodes(int64_t run_id, const std::vector<std::string>& key_ids);

  // Every episode of a run in the order stored, without steps.
  std::vector<StoredEpisode> list_episodes(int64_t run_id);
  // One episode with its steps and tool calls.
  std::optional<StoredEpisode> get_episode(int64_t run_id, const std::string& key_id);
  // Keys of the run's episodes that start with `prefix` (hex digits; throws
  // InputError otherwise), at most `limit`.
  std::vector<std::string> keys_with_prefix(int64_t run_id, const std::string& prefix, int limit = 10);

  // The run's tasks as posed; a task already stored (same id and hash) is
  // kept as it was.
  void put_tasks(int64_t run_id, const std::vector<StoredTask>& tasks);
  std::vector<StoredTask> tasks(int64_t run_id);

  // Scores replace earlier ones of the same episode; all in one transaction.
  // Throws InputError for a key that is not an episode of the run.
  void put_scores(int64_t run_id, const std::vector<ScoreRecord>& scores);
  // In the order the episodes were stored.
  std::vector<ScoreRecord> scores(int64_t run_id);

  // One JSON object per line per episode, steps and tool calls nested
  // (record_json.h), from one consistent snapshot. Returns the count.
  int64_t export_jsonl(int64_t run_id, std::ostream& out);

 private:
  RunSession open_session(int64_t run_id, const RunRecord& run, const char* kind, bool config_changed);
  std::optional<StoredRun> find_run_locked(const std::string& name);
  std::optional<StoredEpisode> get_episode_locked(int64_t run_id, const std::string& key_id);
  void read_steps(StoredEpisode& episode);

  std::string path_;
  int schema_version_ = 0;  // of the file as opened (a read-only open does not upgrade)
  std::unique_ptr<Db> db_;
  std::mutex mutex_;
};

}  // namespace agentcoder::store
