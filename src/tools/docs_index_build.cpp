#include "tools/docs_index_build.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "tools/docs_schema.h"
#include "tools/rst_passages.h"
#include "utils/sqlite_db.h"
#include "utils/errors.h"
#include "utils/paths.h"
#include "utils/sha256.h"
#include "utils/files.h"
#include "utils/clock.h"

namespace agentcoder::tools {
namespace {

namespace fs = std::filesystem;

const std::set<std::string> kSkippedDirs = {"whatsnew", "c-api", "extending", "distutils", "install",
                                            "installing", "distributing"};
const std::set<std::string> kSkippedPages = {"about", "bugs", "copyright", "license", "contents"};

struct Page {
  std::string name;  // relative path without extension
  fs::path file;
};

std::string page_name(const fs::path& relative) {
  std::string s = relative.generic_string();
  for (const char* ext : {".rst.txt", ".rst"}) {
    std::string e = ext;
    if (s.size() > e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0) return s.substr(0, s.size() - e.size());
  }
  return "";
}

std::vector<Page> find_pages(const fs::path& root) {
  std::vector<Page> pages;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    fs::path rel = fs::relative(it->path(), root);
    if (it->is_directory()) {
      if (kSkippedDirs.count(rel.generic_string())) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    std::string name = page_name(rel);
    if (name.empty() || kSkippedPages.count(name)) continue;
    pages.push_back({name, it->path()});
  }
  std::sort(pages.begin(), pages.end(), [](const Page& a, const Page& b) { return a.name < b.name; });
  return pages;
}

std::string fingerprint(const std::vector<Page>& pages) {
  std::ostringstream s;
  s << "format " << kDocsIndexFormat << "\n";
  for (const auto& p : pages) {
    auto mtime = fs::last_write_time(p.file).time_since_epoch().count();
    s << p.name << '\0' << fs::file_size(p.file) << '\0' << mtime << '\n';
  }
  return sha256_hex(s.str());
}

std::string existing_fingerprint(const std::string& out) {
  if (!fs::exists(out)) return "";
  try {
    Db db(out, /*read_only=*/true);
    Statement q(db, "SELECT value FROM meta WHERE key = 'fingerprint'");
    return q.step() ? q.text("value") : "";
  } catch (const std::exception&) {
    return "";  // not an index of ours: rebuild it
  }
}

}  // namespace

std::string default_docs_source() { return "/usr/share/doc/python3.11/html/_sources"; }

std::string default_docs_index() { return agentcoder_home() + "/docs/python3.11-stdlib.sqlite"; }

DocsIndexStats build_docs_index(const std::string& source, const std::string& out, bool force) {
  auto start = std::chrono::steady_clock::now();
  fs::path root = source;
  if (fs::is_directory(root / "_sources")) root /= "_sources";
  if (!fs::is_directory(root)) throw InputError("docs index: --source " + source + ": not a directory");
  std::vector<Page> pages = find_pages(root);
  if (pages.empty()) throw InputError("docs index: --source " + source + ": no .rst.txt or .rst pages found");

  DocsIndexStats stats;
  stats.pages = pages.size();
  std::string print = fingerprint(pages);
  if (!force && existing_fingerprint(out) == print) {
    stats.up_to_date = true;
    return stats;
  }

  fs::path target = out;
  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  std::string tmp = out + ".tmp-" + std::to_string(getpid());
  fs::remove(tmp);
  try {
    Db db(tmp, /*read_only=*/false);
    db.exec(kDocsIndexSchema);
    Transaction tx(db);
    Statement insert(db, "INSERT INTO passages(names, title, page_title, page, text, key) "
                         "VALUES (:names, :title, :page_title, :page, :text, :key)");
    for (const auto& page : pages) {
      for (const auto& p : rst_passages(page.name, read_file(page.file.string()))) {
        insert.bind(":names", p.names).bind(":title", p.title).bind(":page_title", p.page_title);
        insert.bind(":page", p.page).bind(":text", p.text).bind(":key", p.key).run();
        insert.reset();
        ++stats.passages;
      }
    }
    Statement meta(db, "INSERT INTO meta(key, value) VALUES (:key, :value)");
    for (const auto& [k, v] : {std::pair<std::string, std::string>{"fingerprint", print},
                               {"source", fs::absolute(root).string()},
                               {"format", std::to_string(kDocsIndexFormat)}}) {
      meta.bind(":key", k).bind(":value", v).run();
      meta.reset();
    }
    tx.commit();
    db.exec("INSERT INTO passages(passages) VALUES ('optimize')");
  } catch (...) {
    fs::remove(tmp);
    throw;
  }
  fs::rename(tmp, out);
  stats.seconds = seconds_since(start);
  return stats;
}

}  // namespace agentcoder::tools
