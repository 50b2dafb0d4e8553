// Thin owners of SQLite's C API objects (the results store, the docs index):
//   Db           one connection (sqlite3*), closed at destruction;
//   Statement    one prepared statement; parameters and columns by name,
//                so a 40-column insert cannot shift by one;
//   Transaction  BEGIN IMMEDIATE ... COMMIT, rolled back at destruction
//                unless committed (an exception mid-write leaves nothing).
// Every failure throws std::runtime_error naming the file and SQLite's
// message, except a file that cannot be opened: InputError. Text bound to a statement is made valid UTF-8 first (utf8.h).
// None of these is thread-safe; their owners serialise access.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace agentcoder {

class Db {
 public:
  // read_only opens an existing file without creating or changing it.
  Db(const std::string& path, bool read_only);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }

  // Runs one or more statements that return no rows.
  void exec(const std::string& sql);
  int64_t last_insert_rowid();
  int changes();

  // Throws "PATH: WHAT: <sqlite message>".
  [[noreturn]] void fail(const std::string& what);

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement(Db& db, const std::string& sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Named parameters (":name"); an unknown name is a programming error and
  // throws.
  Statement& bind(const char* name, int64_t value);
  Statement& bind(const char* name, int value) { return bind(name, static_cast<int64_t>(value)); }
  Statement& bind(const char* name, double value);
  Statement& bind(const char* name, const std::string& value);
  Statement& bind(const char* name, std::optional<double> value);
  Statement& bind_null(const char* name);

  // Advances; true while there is a row to read.
  bool step();
  // Runs a statement that returns no rows.
  void run();
  // Ready to run again with new parameters.
  void reset();

  // Columns of the current row, by name.
  bool has_column(const char* column);
  bool is_null(const char* column);
  int64_t integer(const char* column);
  double real(const char* column);
  std::optional<double> optional_real(const char* column);
  std::string text(const char* column);

 private:
  int parameter(const char* name);
  int column(const char* name);

  Db& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class Transaction {
 public:
  // IMMEDIATE takes the write lock at once, so two writers wait on the busy
  // timeout instead of failing on a read-to-write upgrade.
  explicit Transaction(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Db& db_;
  bool done_ = false;
};

// A read transaction: one consistent snapshot for several queries (WAL lets
// writers go on meanwhile).
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Db& db);
  ~ReadSnapshot();
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  Db& db_;
};

}  // namespace agentcoder
