// The layout of the docs index file, shared by the builder and the reader.
// Bump kDocsIndexFormat whenever the layout or the passage splitting
// changes, so that `agentcoder docs index` rebuilds existing files.
#pragma once

namespace agentcoder::tools {

inline constexpr int kDocsIndexFormat = 6;

// Porter stemming lets "sorting" find "sort"; unicode61 splits identifiers
// at dots and underscores, and queries are split the same way.
inline constexpr const char kDocsIndexSchema[] =
    "CREATE VIRTUAL TABLE passages USING fts5(names, title, page_title, page, text, key UNINDEXED, tokenize = 'porter unicode61');"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);";

// bm25 weights of the columns above: a query word that names the API, or
// is in a signature or section title, says far more about the passage than
// one in its body.
// A passage whose API name is exactly a query word ("zip" for zip()) gets
// a bonus on top: otherwise long texts and names like ZIP_STORED, which
// repeat the word, outrank it. ?3 is the query's words as a JSON array.
inline constexpr const char kDocsRank[] =
    "bm25(passages, 20.0, 5.0, 3.0, 2.0, 1.0, 0.0)"
    " - CASE WHEN key != '' AND key IN (SELECT value FROM json_each(?3)) THEN 5.0 ELSE 0.0 END";

}  // namespace agentcoder::tools
