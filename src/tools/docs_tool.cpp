#include "tools/docs_tool.h"

#include <cmath>

#include "tools/docs_index_build.h"
#include "tools/truncate.h"

namespace agentcoder::tools {
namespace {

using nlohmann::json;

const size_t kMaxK = 10;

const char kDescription[] =
    "Search the Python 3.11 standard-library documentation. Returns the best matching passages "
    "(function signatures, module sections) for a query such as \"itertools permutations\".";

json argument_schema() {
  return json{{"type", "object"},
              {"properties",
               {{"query", {{"type", "string"}, {"minLength", 1}, {"description", "Words to search for"}}},
                {"k", {{"type", "integer"}, {"minimum", 1}, {"maximum", kMaxK}, {"description", "How many passages"}}}}},
              {"required", {"query"}},
              {"additionalProperties", false}};
}

}  // namespace

DocsTool::DocsTool(DocsToolOptions options)
    : Tool("docs", kDescription, argument_schema(), options.max_chars), options_(std::move(options)) {
  if (options_.index.empty()) options_.index = default_docs_index();
  index_ = DocsIndex::open(options_.index);
}

RunOutput DocsTool::run(const json& arguments) {
  const std::string query = arguments.at("query").get<std::string>();
  // The schema admits 3.0 as an integer, so read it as a number.
  size_t k = arguments.contains("k") ? static_cast<size_t>(std::llround(arguments["k"].get<double>())) : options_.k;
  std::vector<DocHit> hits = index_->search(query, k);

  RunOutput out;
  out.details["query"] = query;
  out.details["k"] = k;
  out.details["index"] = options_.index;
  out.details["hits"] = json::array();
  for (const auto& h : hits) out.details["hits"].push_back({{"page", h.page}, {"title", h.title}, {"score", h.score}});
  if (hits.empty()) {
    out.text = "No documentation found for: " + query;
    return out;
  }
  // Each passage gets an equal share of the budget, after its heading.
  size_t share = options_.max_chars / hits.size();
  std::string text;
  for (size_t i = 0; i < hits.size(); ++i) {
    if (i > 0) text.append("\n\n");
    // Appended piece by piece: "[" + std::to_string() trips a GCC 12 -Wrestrict false positive.
    std::string heading = "[";
    heading += std::to_string(i + 1) + "] " + hits[i].title + " (" + hits[i].page + ")";
    heading = truncate_end(heading, share / 2);
    size_t room = share > heading.size() + 3 ? share - heading.size() - 3 : 0;
    std::string body = truncate_end(hits[i].text, room);
    if (body.size() < hits[i].text.size()) out.text_truncated = true;
    text.append(heading);
    text.append("\n");
    text.append(body);
  }
  out.text = std::move(text);
  return out;
}

}  // namespace agentcoder::tools
