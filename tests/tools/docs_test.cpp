// The docs index built from a fixture tree the test writes, searched
// directly and through the docs tool; and, where Debian's python3.11-doc is
// installed, an index of the real documentation.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "support/temp_dir.h"
#include "tools/docs_index_build.h"
#include "tools/docs_search.h"
#include "tools/docs_tool.h"
#include "utils/errors.h"

namespace agentcoder::tools {
namespace {

using agentcoder::testing::TempDir;

using nlohmann::json;
namespace fs = std::filesystem;

// Three pages under src/, plus what the index must leave out.
void write_fixture(const TempDir& dir) {
  dir.write("src/library/functions.rst.txt", R"RST(Built-in Functions
==================

The Python interpreter has a number of functions built into it.

.. function:: zip(*iterables, strict=False)

   Iterate over several iterables in parallel, producing tuples with an
   item from each one.

.. function:: sorted(iterable, /, *, key=None, reverse=False)

   Return a new sorted list from the items in *iterable*.
)RST");
  dir.write("src/library/gzip.rst.txt", R"RST(:mod:`gzip` --- Support for gzip files
======================================

.. module:: gzip

This module provides a simple interface to compress and decompress files
just like the GNU programs gzip and gunzip would. Unlike zip archives, a
gzip file holds one member. The zip format is handled elsewhere; see zip
archives and zip files and zip again.

.. function:: open(filename, mode='rb')

   Open a gzip-compressed file in binary or text mode.
)RST");
  dir.write("src/library/itertools.rst.txt", R"RST(:mod:`itertools` --- Functions creating iterators
=================================================

.. module:: itertools

This module implements iterator building blocks.

.. function:: permutations(iterable, r=None)

   Return successive *r* length permutations of elements in the iterable.

.. function:: zip_longest(*iterables, fillvalue=None)

   Make an iterator that aggregates elements from each of the iterables,
   like zip but up to the longest.
)RST");
  // Parts the index leaves out, and a file that is not a page.
  dir.write("src/whatsnew/3.11.rst.txt", "What's New\n==========\n\nzip zip zip permutations\n");
  dir.write("src/license.rst.txt", "License\n=======\n\nzip\n");
  dir.write("src/library/notes.txt", "zip\n");
}

struct Fixture {
  TempDir dir;
  std::string source, index;
  Fixture() : source(dir.path("src")), index(dir.path("out/docs.sqlite")) {  // out/ does not exist yet
    write_fixture(dir);
  }
};

TEST(DocsIndex, BuildsFromTheFixtureAndSkipsExcludedParts) {
  Fixture f;
  DocsIndexStats s = build_docs_index(f.source, f.index);
  EXPECT_FALSE(s.up_to_date);
  EXPECT_EQ(s.pages, 3u);  // functions, gzip, itertools
  EXPECT_EQ(s.passages, 8u);
  auto index = DocsIndex::open(f.index);
  for (const auto& hit : index->search("zip permutations", 20)) {
    EXPECT_EQ(hit.page.rfind("library/", 0), 0u) << hit.page;
  }
}

TEST(DocsIndex, RankingPrefersTheNamedApi) {
  Fixture f;
  build_docs_index(f.source, f.index);
  auto index = DocsIndex::open(f.index);
  // gzip's introduction says "zip" five times; zip() is still first.
  auto hits = index->search("zip", 5);
  ASSERT_GE(hits.size(), 3u);
  EXPECT_EQ(hits[0].title, "zip(*iterables, strict=False)");
  EXPECT_EQ(hits[0].page, "library/functions");
  for (size_t i = 1; i < hits.size(); ++i) EXPECT_LE(hits[i - 1].score, hits[i].score);

  hits = index->search("itertools permutations", 3);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].title, "itertools.permutations(iterable, r=None)");

  hits = index->search("how do I use itertools?", 1);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].title, "itertools \xE2\x80\x94 Functions creating iterators");

  // Stemming: "sorting" finds sorted's "sorted".
  hits = index->search("sorting", 1);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].title, "sorted(iterable, /, *, key=None, reverse=False)");
}

TEST(DocsIndex, QueriesCannotBreakFts5) {
  Fixture f;
  build_docs_index(f.source, f.index);
  auto index = DocsIndex::open(f.index);
  for (const char* q : {"\"", "zip OR", "NEAR(a b)", "a AND (", "*", "zip_longest", "-zip", "col:zip"}) {
    EXPECT_NO_THROW(index->search(q, 3)) << q;
  }
  EXPECT_TRUE(index->search("the of and", 3).empty());  // only stop words
  EXPECT_TRUE(index->search("", 3).empty());
  auto hits = index->search("zip_longest", 1);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].title, "itertools.zip_longest(*iterables, fillvalue=None)");
  EXPECT_EQ(DocsIndex::match_expression("How to ZIP two lists?"), "\"zip\" OR \"two\" OR \"lists\"");
}

TEST(DocsIndex, RebuildsOnlyWhenTheSourcesChange) {
  Fixture f;
  EXPECT_FALSE(build_docs_index(f.source, f.index).up_to_date);
  auto before = fs::last_write_time(f.index);
  EXPECT_TRUE(build_docs_index(f.source, f.index).up_to_date);
  EXPECT_EQ(fs::last_write_time(f.index), before);

  std::string page = f.source + "/library/functions.rst.txt";
  std::ofstream(page, std::ios::app) << "\n.. function:: abs(x)\n\n   Return the absolute value of a number.\n";
  DocsIndexStats s = build_docs_index(f.source, f.index);
  EXPECT_FALSE(s.up_to_date);
  EXPECT_EQ(s.passages, 9u);
  EXPECT_EQ(DocsIndex::open(f.index)->search("absolute", 1).at(0).title, "abs(x)");
  EXPECT_FALSE(build_docs_index(f.source, f.index, /*force=*/true).up_to_date);
  // No temporary file is left beside the index.
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(fs::path(f.index).parent_path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
}

TEST(DocsIndex, BadSourcesAndIndexesAreInputErrors) {
  TempDir dir;
  EXPECT_THROW(build_docs_index(dir.path("missing"), dir.path("i.sqlite")), InputError);
  EXPECT_THROW(build_docs_index(dir.root(), dir.path("i.sqlite")), InputError);  // no pages
  EXPECT_THROW(DocsIndex::open(dir.path("none.sqlite")), InputError);
  dir.write("junk.sqlite", "not a database at all, just text");
  EXPECT_THROW(DocsIndex::open(dir.path("junk.sqlite")), InputError);
  try {
    DocsIndex::open(dir.path("none.sqlite"));
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "docs index " + dir.path("none.sqlite") + ": not found (build it with: agentcoder docs index)");
  }
}

TEST(DocsTool, ShowsTopPassagesWithinTheBudget) {
  Fixture f;
  build_docs_index(f.source, f.index);
  DocsToolOptions o;
  o.index = f.index;
  o.max_chars = 300;
  DocsTool tool(o);
  ToolResult r = tool.invoke(json{{"query", "zip"}, {"k", 2}});
  ASSERT_TRUE(r.ok) << r.record.dump();
  EXPECT_LE(r.text.size(), 300u);
  EXPECT_EQ(r.text.rfind("[1] zip(*iterables, strict=False) (library/functions)\nIterate over", 0), 0u) << r.text;
  EXPECT_NE(r.text.find("\n\n[2] "), std::string::npos) << r.text;
  const json& d = r.record["details"];
  EXPECT_EQ(d["query"], "zip");
  EXPECT_EQ(d["k"], 2);
  ASSERT_EQ(d["hits"].size(), 2u);
  EXPECT_EQ(d["hits"][0]["page"], "library/functions");

  o.max_chars = 120;
  DocsTool small(o);
  r = small.invoke(json{{"query", "zip"}});  // k from the options: 3
  EXPECT_LE(r.text.size(), 120u);
  EXPECT_EQ(r.record["details"]["hits"].size(), 3u);
  EXPECT_EQ(r.record["text_truncated"], true);
}

TEST(DocsTool, NothingFoundIsStillAnAnswer) {
  Fixture f;
  build_docs_index(f.source, f.index);
  DocsToolOptions o;
  o.index = f.index;
  DocsTool tool(o);
  ToolResult r = tool.invoke(json{{"query", "xylophone"}});
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.text, "No documentation found for: xylophone");
  EXPECT_EQ(tool.invoke(json{{"query", ""}}).error_class, "bad_arguments");
  EXPECT_EQ(tool.invoke(json{{"query", "zip"}, {"k", 11}}).error_class, "bad_arguments");
}

TEST(DocsTool, MissingIndexFailsAtConstruction) {
  DocsToolOptions o;
  o.index = "/nonexistent/docs.sqlite";
  EXPECT_THROW(DocsTool tool(o), InputError);
}

// The real documentation, where python3.11-doc is installed: indexed into a
// temporary file (about a second), so the test does not depend on set-up.
TEST(DocsRealIndex, FindsTheRightPages) {
  if (!fs::is_directory(default_docs_source())) GTEST_SKIP() << default_docs_source() << " is not installed";
  TempDir dir;
  std::string index_file = dir.path("stdlib.sqlite");
  DocsIndexStats s = build_docs_index(default_docs_source(), index_file);
  EXPECT_GT(s.pages, 200u);
  EXPECT_GT(s.passages, 5000u);
  auto index = DocsIndex::open(index_file);

  auto hits = index->search("zip", 3);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].page, "library/functions");
  EXPECT_EQ(hits[0].title.rfind("zip(", 0), 0u) << hits[0].title;

  hits = index->search("itertools", 3);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].page, "library/itertools");

  hits = index->search("itertools permutations", 1);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].title.rfind("itertools.permutations(", 0), 0u) << hits[0].title;

  hits = index->search("defaultdict", 1);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].page, "library/collections");
}

}  // namespace
}  // namespace agentcoder::tools
