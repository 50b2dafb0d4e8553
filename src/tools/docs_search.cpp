#include "tools/docs_search.h"

#include <cctype>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "tools/docs_schema.h"
#include "utils/sqlite_db.h"
#include "utils/errors.h"

namespace agentcoder::tools {
namespace {

// Words too common in questions to say anything about the page wanted.
const std::set<std::string> kStopWords = {
    "a",    "an",   "and",  "are",  "as",   "at",  "be",  "by",    "can",  "do",   "does", "for",
    "from", "how",  "i",    "in",   "is",   "it",  "me",  "my",    "of",   "on",   "or",   "python",
    "that", "the",  "this", "to",   "use",  "using", "what", "when", "which", "with", "you"};

bool word_char(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

}  // namespace

DocsIndex::DocsIndex(std::string path, std::unique_ptr<Db> db) : path_(std::move(path)), db_(std::move(db)) {}

DocsIndex::~DocsIndex() = default;

std::unique_ptr<DocsIndex> DocsIndex::open(const std::string& path) {
  const std::string hint = " (build it with: agentcoder docs index)";
  if (!std::filesystem::is_regular_file(path)) throw MissingFileError("docs index " + path + ": not found" + hint);
  auto db = std::make_unique<Db>(path, /*read_only=*/true);
  std::string format;
  try {
    Statement q(*db, "SELECT value FROM meta WHERE key = 'format'");
    if (q.step()) format = q.text("value");
  } catch (const std::exception&) {
    throw InputError("docs index " + path + ": not a docs index" + hint);
  }
  if (format != std::to_string(kDocsIndexFormat))
    throw InputError("docs index " + path + ": format " + format + ", expected " + std::to_string(kDocsIndexFormat) +
                     hint);
  return std::unique_ptr<DocsIndex>(new DocsIndex(path, std::move(db)));
}

// The searchable words of a query, in lower case, without stop words or repeats.
std::vector<std::string> DocsIndex::query_words(const std::string& query) {
  std::vector<std::string> words;
  std::set<std::string> seen;
  size_t i = 0;
  while (i < query.size() && words.size() < 32) {
    while (i < query.size() && !word_char(static_cast<unsigned char>(query[i]))) ++i;
    size_t start = i;
    while (i < query.size() && word_char(static_cast<unsigned char>(query[i]))) ++i;
    if (start == i) break;
    std::string word = query.substr(start, i - start);
    std::string lower;
    for (char c : word) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (kStopWords.count(lower) || !seen.insert(lower).second) continue;
    words.push_back(lower);
  }
  return words;
}

std::string DocsIndex::match_expression(const std::string& query) {
  std::string expr;
  for (const auto& word : query_words(query)) {
    // Quoted, a word is a string to FTS5, never an operator; "a_b" becomes
    // the phrase "a b", as the tokenizer split it in the index.
    expr += (expr.empty() ? "\"" : " OR \"") + word + "\"";
  }
  return expr;
}

std::vector<DocHit> DocsIndex::search(const std::string& query, size_t k) const {
  std::vector<DocHit> hits;
  std::string match = match_expression(query);
  if (match.empty() || k == 0) return hits;
  std::lock_guard<std::mutex> lock(mu_);
  Statement q(*db_, std::string("SELECT page, page_title, title, text, ") + kDocsRank +
                        " AS score FROM passages WHERE passages MATCH ?1 ORDER BY score LIMIT ?2");
  q.bind("?1", match).bind("?2", static_cast<int64_t>(k)).bind("?3", nlohmann::json(query_words(query)).dump());
  while (q.step())
    hits.push_back({q.text("page"), q.text("page_title"), q.text("title"), q.text("text"), q.real("score")});
  return hits;
}

}  // namespace agentcoder::tools
