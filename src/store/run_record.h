// A run: one experiment's config and manifest, under a name unique in its
// results file. Each time a process starts or resumes the run it opens a
// session, which keeps that process's manifest (machine, commit) and config
// hash; every episode names the session that wrote it.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace agentcoder::store {

struct RunRecord {
  std::string name;
  std::string config_text;  // the TOML as written
  // The parsed config, when the caller has it. When set, its hash (not the
  // text's) decides whether a resumed run has the same config, so comments
  // and layout may change. Pass the same kind on every resume.
  nlohmann::json config;
  // Seeds, model hashes, llama.cpp commit, library versions, hardware, git
  // commit: whatever the caller assembles.
  nlohmann::json manifest;

  // SHA-256 of config.dump() when config is set, else of config_text.
  std::string config_sha256() const;
};

// A run as stored.
struct StoredRun {
  int64_t run_id = 0;
  std::string created_at;  // ISO 8601 UTC
  std::string config_sha256;
  int64_t episode_count = 0;
  int64_t session_count = 0;
  RunRecord record;  // as given when the run began
};

// The handle a writer puts episodes with.
struct RunSession {
  int64_t run_id = 0;
  int64_t session_id = 0;
  std::string run_name;
};

}  // namespace agentcoder::store
