// Builds the documentation index the docs tool searches: an SQLite file
// with an FTS5 table of passages (rst_passages.h) from a tree of reST
// sources, by default Debian's python3.11-doc
// (/usr/share/doc/python3.11/html/_sources).
//
// Pages are every *.rst.txt (or *.rst) under the source, except parts that
// are not about the language and its standard library (whatsnew, c-api,
// extending, distutils, install*, distributing, and the about/bugs/
// copyright/license/contents pages).
//
// Idempotent: the index records a fingerprint of its sources (each page's
// path, size and mtime, and the index format); when the file already holds
// that fingerprint nothing is done. Otherwise it is written to a temporary
// file beside `out` and renamed over it, so readers never see half an index.
// Throws InputError when the source is missing or holds no pages.
#pragma once

#include <cstddef>
#include <string>

namespace agentcoder::tools {

// Where `agentcoder docs index` reads and writes by default.
std::string default_docs_source();
std::string default_docs_index();  // agentcoder_home()/docs/python3.11-stdlib.sqlite

struct DocsIndexStats {
  bool up_to_date = false;  // nothing was written
  size_t pages = 0;
  size_t passages = 0;
  double seconds = 0;
};

// `source` may also be an html directory that has a _sources folder.
DocsIndexStats build_docs_index(const std::string& source, const std::string& out, bool force = false);

}  // namespace agentcoder::tools
