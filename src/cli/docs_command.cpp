// agentcoder docs index|search: build the Python documentation index the
// docs tool reads, and search it as the tool does.
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "tools/docs_index_build.h"
#include "tools/docs_search.h"
#include "tools/truncate.h"
#include "utils/errors.h"

namespace agentcoder::cli {
namespace {

namespace tl = agentcoder::tools;

struct DocsArgs {
  std::string source = tl::default_docs_source();
  std::string index = tl::default_docs_index();
  std::string query;
  int k = 5;
  bool force = false, json = false;
};

void run_index(const DocsArgs& a) {
  tl::DocsIndexStats s = tl::build_docs_index(a.source, a.index, a.force);
  if (s.up_to_date)
    std::printf("docs index %s is up to date (%zu pages)\n", a.index.c_str(), s.pages);
  else
    std::printf("docs index %s: %zu passages from %zu pages in %.1f s\n", a.index.c_str(), s.passages, s.pages,
                s.seconds);
}

void run_search(const DocsArgs& a) {
  if (a.k < 1) throw InputError("docs search: -k must be at least 1");
  auto index = tl::DocsIndex::open(a.index);
  std::vector<tl::DocHit> hits = index->search(a.query, static_cast<size_t>(a.k));
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& h : hits)
      out.push_back({{"page", h.page}, {"page_title", h.page_title}, {"title", h.title}, {"score", h.score},
                     {"text", h.text}});
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  if (hits.empty()) std::printf("no passages match\n");
  for (const auto& h : hits) {
    std::printf("%.2f  %s  (%s)\n", h.score, h.title.c_str(), h.page.c_str());
    // A preview on one line: the text's whitespace collapsed.
    std::string flat;
    for (char c : h.text) {
      bool space = c == ' ' || c == '\n' || c == '\t';
      if (space && (flat.empty() || flat.back() == ' ')) continue;
      flat += space ? ' ' : c;
    }
    std::printf("      %s\n\n", tl::truncate_end(flat, 160).c_str());
  }
}

CommandRegistrar reg("docs", [](CLI::App& app) {
  auto args = std::make_shared<DocsArgs>();
  CLI::App* docs = app.add_subcommand("docs", "Build or search the Python documentation index of the docs tool");
  docs->require_subcommand(1);

  CLI::App* index = docs->add_subcommand("index", "Index the reST sources of Python's docs (skipped when up to date)");
  index->add_option("--source", args->source, "Directory of .rst.txt sources, or an html dir with _sources/")
      ->capture_default_str();
  index->add_option("--out", args->index, "Index file to write")->capture_default_str();
  index->add_flag("--force", args->force, "Rebuild even when up to date");
  index->callback([args] { run_index(*args); });

  CLI::App* search = docs->add_subcommand("search", "Show the passages the docs tool would find");
  search->add_option("query", args->query, "Words to search for")->required();
  search->add_option("-k", args->k, "How many passages (default 5)");
  search->add_option("--index", args->index, "Index file to read")->capture_default_str();
  search->add_flag("--json", args->json, "Print JSON");
  search->callback([args] { run_search(*args); });
});

}  // namespace
}  // namespace agentcoder::cli
