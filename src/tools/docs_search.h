// Reads the docs index (docs_index_build.h): the best passages for a query,
// ranked by FTS5's bm25.
//
// A query is free text ("zip", "how to sort a dict by value"): it is split
// into words, common English words are dropped, and the passages matching
// any of the rest are ranked, so a model's phrasing needs no FTS5 syntax and
// cannot break it. A query with no searchable word has no hits.
//
// open() throws InputError naming the file if it is missing or is not an
// index of this format (run `agentcoder docs index`). search() is
// thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace agentcoder {
class Db;
}

namespace agentcoder::tools {

struct DocHit {
  std::string page;  // "library/itertools"
  std::string page_title;
  std::string title;
  std::string text;
  double score = 0;  // bm25: lower is better
};

class DocsIndex {
 public:
  static std::unique_ptr<DocsIndex> open(const std::string& path);
  ~DocsIndex();

  std::vector<DocHit> search(const std::string& query, size_t k) const;
  const std::string& path() const { return path_; }

  // The query's searchable words, in lower case, without stop words or
  // repeats; and the FTS5 MATCH expression made of them ("" if none).
  static std::vector<std::string> query_words(const std::string& query);
  static std::string match_expression(const std::string& query);

 private:
  DocsIndex(std::string path, std::unique_ptr<Db> db);

  std::string path_;
  std::unique_ptr<Db> db_;
  mutable std::mutex mu_;
};

}  // namespace agentcoder::tools
