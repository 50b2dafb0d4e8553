// The "docs" tool: searches Python's standard-library documentation
// (docs_search.h) and shows the model the top passages, each as its title,
// page and the start of its text, within max_chars in all.
//
// details: query, k, index, hits [{page, title, score}]. A query with no
// hits is still outcome "ok" (the text says nothing was found). The index
// is opened at construction (InputError if it is missing); run() is
// thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "tools/docs_search.h"
#include "tools/tool.h"

namespace agentcoder::tools {

struct DocsToolOptions {
  std::string index;  // "" = default_docs_index()
  size_t k = 3;       // passages when the call does not say
  size_t max_chars = 1500;
};

class DocsTool : public Tool {
 public:
  explicit DocsTool(DocsToolOptions options);

 protected:
  RunOutput run(const nlohmann::json& arguments) override;

 private:
  DocsToolOptions options_;
  std::unique_ptr<DocsIndex> index_;
};

}  // namespace agentcoder::tools
