// Splits one page of reStructuredText (Python's documentation sources,
// html/_sources/**/*.rst.txt) into passages for the docs index.
//
// A passage starts at each section title and at each API description
// (".. function::", ".. class::", ".. method::", ...), so that a query for
// "zip" can land on zip() itself rather than on the whole "Built-in
// Functions" section. An API passage's title is its qualified signature
// ("itertools.chain(*iterables)", "str.join(iterable)"); text that follows
// a description at the section's level continues the section.
//
// Markup is reduced to plain text: roles (:func:`zip` -> zip), literals,
// emphasis, labels, comments, index entries and other non-text directives
// are dropped; admonitions become "Note:", "New in version 3.10." etc.
// Code examples are kept. This is a reader for the subset Python's docs use,
// not a reST parser: it never fails, at worst a passage has stray markup.
#pragma once

#include <string>
#include <vector>

namespace agentcoder::tools {

struct DocPassage {
  std::string page;        // path without extension, e.g. "library/itertools"
  std::string page_title;  // the page's first title
  std::string title;       // the section title or the API signature
  std::string names;       // for an API: "itertools.chain chain"; a module's intro: "itertools"; else ""
  std::string key;         // the last part of names, in lower case ("chain")
  std::string text;        // plain text
};

std::vector<DocPassage> rst_passages(const std::string& page, const std::string& rst);

// Inline markup of one line reduced to plain text.
std::string rst_inline_to_text(const std::string& line);

}  // namespace agentcoder::tools
