#include "utils/sqlite_db.h"

#include <cstring>
#include <stdexcept>

#include <sqlite3.h>

#include "utils/utf8.h"
#include "utils/errors.h"

namespace agentcoder {

Db::Db(const std::string& path, bool read_only) : path_(path) {
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  // NOMUTEX: the store serialises its own calls; each Db is one connection.
  flags |= SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    // The path is the user's (a results file they named): bad input.
    throw InputError(path + ": cannot open: " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Db::~Db() { sqlite3_close(db_); }

void Db::exec(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error(path_ + ": " + message);
  }
}

int64_t Db::last_insert_rowid() { return sqlite3_last_insert_rowid(db_); }
int Db::changes() { return sqlite3_changes(db_); }

void Db::fail(const std::string& what) { throw std::runtime_error(path_ + ": " + what + ": " + sqlite3_errmsg(db_)); }

Statement::Statement(Db& db, const std::string& sql) : db_(db) {
  if (sqlite3_prepare_v2(db.handle(), sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK)
    db.fail("cannot prepare \"" + sql.substr(0, 60) + "\"");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

int Statement::parameter(const char* name) {
  int index = sqlite3_bind_parameter_index(stmt_, name);
  if (index == 0) throw std::logic_error(std::string("sqlite: no SQL parameter ") + name);
  return index;
}

bool Statement::has_column(const char* name) {
  int n = sqlite3_column_count(stmt_);
  for (int i = 0; i < n; ++i)
    if (std::strcmp(sqlite3_column_name(stmt_, i), name) == 0) return true;
  return false;
}

int Statement::column(const char* name) {
  int n = sqlite3_column_count(stmt_);
  for (int i = 0; i < n; ++i)
    if (std::strcmp(sqlite3_column_name(stmt_, i), name) == 0) return i;
  throw std::logic_error(std::string("store: no SQL column ") + name);
}

Statement& Statement::bind(const char* name, int64_t value) {
  if (sqlite3_bind_int64(stmt_, parameter(name), value) != SQLITE_OK) db_.fail("bind");
  return *this;
}

Statement& Statement::bind(const char* name, double value) {
  if (sqlite3_bind_double(stmt_, parameter(name), value) != SQLITE_OK) db_.fail("bind");
  return *this;
}

Statement& Statement::bind(const char* name, const std::string& value) {
  std::string text = valid_utf8(value);
  if (sqlite3_bind_text(stmt_, parameter(name), text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK)
    db_.fail("bind");
  return *this;
}

Statement& Statement::bind(const char* name, std::optional<double> value) {
  return value ? bind(name, *value) : bind_null(name);
}

Statement& Statement::bind_null(const char* name) {
  if (sqlite3_bind_null(stmt_, parameter(name)) != SQLITE_OK) db_.fail("bind");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail("query failed");
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(const char* name) { return sqlite3_column_type(stmt_, column(name)) == SQLITE_NULL; }
int64_t Statement::integer(const char* name) { return sqlite3_column_int64(stmt_, column(name)); }
double Statement::real(const char* name) { return sqlite3_column_double(stmt_, column(name)); }

std::optional<double> Statement::optional_real(const char* name) {
  if (is_null(name)) return std::nullopt;
  return real(name);
}

std::string Statement::text(const char* name) {
  int i = column(name);
  const unsigned char* data = sqlite3_column_text(stmt_, i);
  if (!data) return {};
  return std::string(reinterpret_cast<const char*>(data), sqlite3_column_bytes(stmt_, i));
}

Transaction::Transaction(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

ReadSnapshot::ReadSnapshot(Db& db) : db_(db) { db_.exec("BEGIN"); }

ReadSnapshot::~ReadSnapshot() { sqlite3_exec(db_.handle(), "COMMIT", nullptr, nullptr, nullptr); }

}  // namespace agentcoder
