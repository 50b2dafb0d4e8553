// A thin RAII wrapper over the SQLite C API for the docs index: a
// connection and prepared statements. Errors throw std::runtime_error with
// SQLite's message and the file name. Not thread-safe; callers serialize.
#pragma once

#include <cstdint>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace agentcoder::tools {

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, const std::string& sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  void bind(int index, const std::string& text);  // 1-based, as SQLite counts
  void bind(int index, int64_t value);
  bool step();  // true while a row is available
  void reset();
  std::string text(int column) const;  // 0-based
  double real(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteDb {
 public:
  // read_only opens an existing file; otherwise it is created if missing.
  SqliteDb(const std::string& path, bool read_only);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  void exec(const std::string& sql);
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace agentcoder::tools
