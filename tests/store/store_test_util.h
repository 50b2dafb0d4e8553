// Helpers shared by the store tests: deterministic keys and records (every
// field set, sizes varying with the index), a raw SQLite connection for
// looking at files from outside the store, and a way to run the built
// `agentcoder`; TempDir is the one in tests/support.
#pragma once

#include "support/cli_run.h"
#include "support/temp_dir.h"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "store/episode_record.h"
#include "store/run_record.h"
#include "utils/sha256.h"

namespace store_test {

using namespace agentcoder::store;

using agentcoder::testing::TempDir;

inline std::string hash_of(const std::string& s) { return agentcoder::sha256_hex(s); }

// Key i: every field set and different per i where it can be.
inline EpisodeKey make_key(int i) {
  EpisodeKey k;
  k.task_id = "task-" + std::to_string(i);
  k.task_sha256 = hash_of("task body " + std::to_string(i));
  k.model_sha256 = hash_of("model.gguf");
  if (i % 2 == 1) k.adapters.push_back({"adapters/dpo.gguf", hash_of("dpo adapter"), 0.5});
  k.prompt_format = i % 3 == 0 ? "direct" : "tool_description";
  k.prompt_sha256 = hash_of("system prompt " + k.prompt_format);
  const char* modes[] = {"free", "force_tool", "force_text"};
  k.mode = modes[i % 3];
  k.seed = static_cast<uint64_t>(1000 + i);
  k.tools = {"python", "math"};
  k.tool_schema_sha256 = hash_of("schemas");
  k.settings = {{"temperature", 0.0}, {"max_steps", 4}};
  k.harness_version = 1;
  return k;
}

// Record i with 1..3 steps and 0..2 tool calls per step; `text_bytes` pads
// the model text (the crash test uses long episodes so that a kill often
// lands mid-write).
inline EpisodeRecord make_record(int i, size_t text_bytes = 64) {
  EpisodeRecord r;
  r.key = make_key(i);
  r.variant = i % 2 ? "base+dpo" : "base";
  r.category = "execution_required";
  r.difficulty = i % 2 ? "hard" : "easy";
  r.optimal_tool = "python";
  r.stop_reason = i % 5 == 4 ? "max_steps" : "final_answer";
  r.final_answer = "answer " + std::to_string(i * 7);
  r.first_decision = i % 4 == 3 ? "text" : "tool_call";
  r.first_tool = r.first_decision == "tool_call" ? "python" : "";
  if (i % 6 != 5) {
    r.p_tool = 0.125 + (i % 7) / 10.0;
    r.p_text = 1.0 - *r.p_tool;
    r.probe_openers = {{"<tool_call>", {151657}, *r.p_tool * 0.75}, {"```py", {73594, 3288 + i}, *r.p_tool * 0.25}};
  }
  r.started_at = "2026-11-24T10:00:00.000Z";
  r.finished_at = "2026-11-24T10:00:01.500Z";
  r.error = r.stop_reason == "final_answer" ? "" : "stopped after 4 steps";
  r.extra = {{"scores", {{"exact", i % 2 == 0}}}, {"note", "episode " + std::to_string(i)}};
  int steps = 1 + i % 3;
  for (int s = 0; s < steps; ++s) {
    StepRecord st;
    st.prefill = r.key.mode == "force_tool" && s == 0 ? "<tool_call>{\"name\": \"" : "";
    st.model_text = "step " + std::to_string(s) + " of episode " + std::to_string(i) + "\nline two\n" +
                    std::string(text_bytes, static_cast<char>('a' + (i + s) % 26));
    st.reply_kind = s + 1 < steps ? "tool_call" : "text";
    st.generation_stop = s + 1 < steps ? "stop_string" : "end_of_generation";
    st.content = "content " + std::to_string(s);
    if (s == 1) st.parse_errors = {"call 2: unterminated string"};
    if (i % 2 == 0) st.repairs = {"missing_close_tag"};
    st.prompt_tokens = 100 + 10 * s + i;
    st.prefix_reused_tokens = 50;
    st.generated_tokens = 20 + s;
    st.queue_ms = 0.25 * s;
    st.prompt_eval_ms = 12.5 + s;
    st.decode_ms = 40.75 + i;
    int calls = (i + s) % 3;
    for (int c = 0; c < calls; ++c) {
      ToolCallRecord call;
      call.call_id = "call_" + std::to_string(s) + "_" + std::to_string(c);
      call.tool = c == 0 ? "python" : "math";
      call.arguments = c == 0 ? R"j({"code": "print(6 * 7)\nprint('done')"})j" : R"({"expr": "2+2"})";
      call.executed = c != 1 || i % 2 == 0;
      call.ok = call.executed && (i + c) % 4 != 0;
      call.error_class = call.ok ? "" : (call.executed ? "SyntaxError" : "not_executed");
      call.result = call.ok ? "42\ndone" : "Traceback: ...";
      call.record = {{"exit_code", call.ok ? 0 : 1}, {"stdout", call.result}, {"peak_kb", 1024 + c}};
      call.wall_ms = 30.5 + c;
      st.tool_calls.push_back(call);
    }
    r.steps.push_back(st);
    r.prompt_tokens += st.prompt_tokens;
    r.generated_tokens += st.generated_tokens;
    r.prompt_eval_ms += st.prompt_eval_ms;
    r.decode_ms += st.decode_ms;
    r.queue_ms += st.queue_ms;
    for (const ToolCallRecord& call : st.tool_calls) r.tool_ms += call.wall_ms;
  }
  r.wall_ms = r.prompt_eval_ms + r.decode_ms + r.queue_ms + r.tool_ms + 3;
  return r;
}

inline RunRecord make_run(const std::string& name, const std::string& config_text = "seed = 1\n") {
  RunRecord run;
  run.name = name;
  run.config_text = config_text;
  run.manifest = {{"git_commit", "abc123"}, {"hardware", {{"cores", 2}}}};
  return run;
}

// A raw connection, for looking at a results file from outside the store.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("open " + path);
  }
  ~RawDb() { sqlite3_close(db_); }
  sqlite3* get() { return db_; }
  // The first column of the first row, as text ("" when no row).
  std::string scalar(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return out;
  }
  long long count(const std::string& sql) { return std::stoll(scalar(sql)); }
  void exec(const std::string& sql) {
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_ = nullptr;
};

using agentcoder::testing::CliRun;
using agentcoder::testing::count_lines;

inline CliRun run_cli(const std::string& args) { return agentcoder::testing::run_cli(AGENTCODER_BIN, args); }

}  // namespace store_test
