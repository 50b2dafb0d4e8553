#include "tools/rst_passages.h"

#include <cctype>
#include <regex>
#include <set>
#include <sstream>

#include "utils/text.h"

namespace agentcoder::tools {
namespace {

const std::set<std::string> kApiDirectives = {
    "function", "method",     "class",     "exception",   "data",       "attribute", "decorator",
    "decoratormethod", "classmethod", "staticmethod", "describe", "opcode", "pdbcommand",
    "coroutinefunction", "coroutinemethod", "abstractmethod", "awaitablefunction", "cmdoption", "option",
    "envvar"};
// Directives whose whole block is not text for a reader.
const std::set<std::string> kSkippedBlocks = {
    "index",  "toctree",  "include",   "literalinclude", "highlight",     "testsetup", "testcleanup",
    "raw",    "sectionauthor", "moduleauthor", "tabularcolumns", "audit-event", "only",  "image",
    "figure", "productionlist", "availability", "module", "currentmodule", "program", "c:function",
    "c:macro", "c:type", "c:member", "c:var", "c:data"};

size_t indent_of(const std::string& line) {
  size_t n = line.find_first_not_of(' ');
  return n == std::string::npos ? line.size() : n;
}

bool blank(const std::string& line) { return line.find_first_not_of(" \t\r") == std::string::npos; }

// A line of one repeated punctuation character: a title's underline/overline.
bool adornment(const std::string& line) {
  std::string t = trim(line);
  if (t.size() < 3 || t.size() != line.find_last_not_of(" \t\r") + 1) return false;
  static const std::string chars = "=-~^\"'*+#:.`_<>";
  if (chars.find(t[0]) == std::string::npos) return false;
  return t.find_first_not_of(t[0]) == std::string::npos;
}

bool title_at(const std::vector<std::string>& lines, size_t i) {
  if (i + 1 >= lines.size() || blank(lines[i]) || lines[i][0] == ' ' || adornment(lines[i])) return false;
  return adornment(lines[i + 1]) && trim(lines[i + 1]).size() >= trim(lines[i]).size();
}

struct Directive {
  size_t indent = 0;
  std::string name;
  std::string argument;
};

bool directive_at(const std::string& line, Directive* d) {
  static const std::regex re(R"(^( *)\.\. ([A-Za-z][\w:-]*)::\s*(.*)$)");
  std::smatch m;
  if (!std::regex_match(line, m, re)) return false;
  d->indent = m[1].length();
  d->name = m[2];
  d->argument = trim(m[3].str());
  if (d->name.rfind("py:", 0) == 0) d->name = d->name.substr(3);
  return true;
}

// The heading an admonition-like directive leaves in the text.
std::string admonition_text(const Directive& d) {
  if (d.name == "versionadded") return "New in version " + d.argument + ".";
  if (d.name == "versionchanged") return "Changed in version " + d.argument + ":";
  if (d.name == "deprecated") return "Deprecated since version " + d.argument + ":";
  if (d.name == "note") return "Note:";
  if (d.name == "warning" || d.name == "caution" || d.name == "attention") return "Warning:";
  if (d.name == "seealso") return "See also:";
  if (d.name == "impl-detail") return "CPython implementation detail:";
  if (d.name == "rubric") return rst_inline_to_text(d.argument);
  return "";
}

class Splitter {
 public:
  Splitter(std::string page) : page_(std::move(page)) {}

  std::vector<DocPassage> run(const std::vector<std::string>& lines) {
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::string& line = lines[i];
      // Leave the API descriptions whose body has ended.
      if (!blank(line)) {
        bool left = false;
        while (!api_stack_.empty() && indent_of(line) <= api_stack_.back().indent) {
          api_stack_.pop_back();
          left = true;
        }
        if (left) resume_enclosing();
      }
      if (skip_indent_ != npos) {
        if (blank(line) || indent_of(line) > skip_indent_) continue;
        skip_indent_ = npos;
      }
      // Overlined title: adornment, text, adornment.
      if (adornment(line) && i + 2 < lines.size() && !blank(lines[i + 1]) && adornment(lines[i + 2]) &&
          trim(lines[i + 2])[0] == trim(line)[0]) {
        section_title(trim(lines[i + 1]));
        i += 2;
        continue;
      }
      if (title_at(lines, i)) {
        section_title(line);
        i += 1;
        continue;
      }
      if (adornment(line)) continue;  // a transition ("----"), not text
      Directive d;
      if (directive_at(line, &d)) {
        handle_directive(d, lines, &i);
        continue;
      }
      if (line.compare(indent_of(line), 3, ".. ") == 0 || trim(line) == "..") {
        // A comment, a label (".. _name:") or a substitution: skip its block.
        skip_indent_ = indent_of(line);
        continue;
      }
      body_.push_back(line);
    }
    flush();
    for (auto& p : out_) p.page_title = page_title_;
    return std::move(out_);
  }

 private:
  static constexpr size_t npos = std::string::npos;

  void section_title(const std::string& raw) {
    std::string title = rst_inline_to_text(trim(raw));
    if (page_title_.empty()) page_title_ = title;
    api_stack_.clear();
    section_ = title;
    start(title);
  }

  void handle_directive(const Directive& d, const std::vector<std::string>& lines, size_t* i) {
    if (d.name == "module" || d.name == "currentmodule") module_ = d.argument;
    // The passage that introduces a module is named after it, so that a
    // query for "itertools" can find the module's own page first.
    if (d.name == "module" && api_stack_.empty()) name_ = d.argument;
    if (kApiDirectives.count(d.name)) {
      std::string name = rst_inline_to_text(d.argument);
      std::string qualified = name;
      if (name.find('.') == std::string::npos || name.find('.') > name.find('(')) {
        std::string owner = api_stack_.empty() ? "" : api_stack_.back().qualname;
        if (owner.empty() && !module_.empty() && d.name != "cmdoption" && d.name != "option" &&
            d.name != "envvar" && d.name != "opcode" && d.name != "describe" && d.name != "pdbcommand")
          owner = module_;
        if (!owner.empty()) qualified = owner + "." + name;
      }
      size_t paren = qualified.find('(');
      api_stack_.push_back({d.indent, qualified, trim(qualified.substr(0, paren))});
      start(qualified);
      name_ = trim(qualified.substr(0, paren));
      skip_options(lines, i, d.indent, /*signature=*/true);
      return;
    }
    if (kSkippedBlocks.count(d.name) || d.name.find(':') != std::string::npos) {
      skip_indent_ = d.indent;
      return;
    }
    std::string heading = admonition_text(d);
    skip_options(lines, i, d.indent, /*signature=*/false);
    if (!heading.empty()) body_.push_back(std::string(d.indent, ' ') + heading);
  }

  // Continuation lines of a signature and ":option: value" lines that follow
  // a directive are not text.
  void skip_options(const std::vector<std::string>& lines, size_t* i, size_t indent, bool signature) {
    static const std::regex option(R"(^\s+:[\w-]+:.*$)");
    while (*i + 1 < lines.size() && !blank(lines[*i + 1]) && indent_of(lines[*i + 1]) > indent) {
      const std::string& next = lines[*i + 1];
      if (!std::regex_match(next, option) && !(signature && api_signature_continues(next))) break;
      ++*i;
    }
  }

  // A second signature line, aligned under the first: "              foo(a, b)".
  bool api_signature_continues(const std::string& line) const {
    return indent_of(line) > api_stack_.back().indent + 4 && trim(line).find('(') != std::string::npos;
  }

  void start(const std::string& title) {
    flush();
    title_ = title;
    name_.clear();
  }

  // Text after a nested description ends continues the enclosing one.
  void resume_enclosing() {
    if (api_stack_.empty()) {
      start(section_);
      return;
    }
    start(api_stack_.back().title);
    name_ = api_stack_.back().qualname;
  }

  void flush() {
    size_t base = npos;
    for (const auto& l : body_) {
      if (!blank(l)) base = std::min(base, indent_of(l));
    }
    std::string text;
    bool pending_blank = false;
    for (const auto& l : body_) {
      if (blank(l)) {
        pending_blank = !text.empty();
        continue;
      }
      if (pending_blank) text += "\n";
      pending_blank = false;
      std::string line = rst_inline_to_text(l.substr(std::min(base, l.size())));
      while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
      text += line + "\n";
    }
    body_.clear();
    while (!text.empty() && text.back() == '\n') text.pop_back();
    if (text.empty() || title_.empty()) return;
    // The name is searched on its own (weighted high) as the full dotted
    // name and its last part: "itertools.chain" is found by "chain".
    std::string names = name_;
    size_t dot = name_.rfind('.');
    std::string last = dot == std::string::npos ? name_ : name_.substr(dot + 1);
    if (dot != std::string::npos) names += " " + last;
    std::string key;
    for (char c : last) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out_.push_back({page_, "", title_, names, key, text});
  }

  struct Api {
    size_t indent;
    std::string title;
    std::string qualname;
  };

  std::string page_;
  std::string page_title_;
  std::string module_;
  std::string section_;
  std::string title_;
  std::string name_;  // of the API described by the current passage, if any
  std::vector<Api> api_stack_;
  std::vector<std::string> body_;
  std::vector<DocPassage> out_;
  size_t skip_indent_ = npos;
};

}  // namespace

std::string rst_inline_to_text(const std::string& line) {
  static const std::regex role_with_target(R"(:[\w:+.-]+:`([^`<]*?)\s*<[^`>]*>`)");
  static const std::regex role(R"(:[\w:+.-]+:`!?~?([^`]*)`)");
  static const std::regex literal(R"(``([^`]+)``)");
  static const std::regex reference(R"(`([^`<]*?)\s*(?:<[^`>]*>)?`__?)");
  static const std::regex strong(R"(\*\*([^*\s](?:[^*]|\*(?!\*))*?)\*\*)");
  static const std::regex emphasis(R"((^|[\s(])\*([^*\s][^*]*?)\*(?=$|[\s).,;:!?'-]))");
  std::string s = std::regex_replace(line, role_with_target, "$1");
  // :class:`~decimal.Decimal` shows as Decimal, as Sphinx renders it.
  static const std::regex tilde_role(R"(:[\w:+.-]+:`~([^`]*\.)?([^`.]*)`)");
  s = std::regex_replace(s, tilde_role, "$2");
  s = std::regex_replace(s, role, "$1");
  s = std::regex_replace(s, literal, "$1");
  s = std::regex_replace(s, reference, "$1");
  s = std::regex_replace(s, strong, "$1");
  s = std::regex_replace(s, emphasis, "$1$2");
  // "\*args" in reST is a literal star.
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '*') continue;
    out += s[i];
  }
  size_t dash = out.find(" --- ");
  if (dash != std::string::npos) out.replace(dash, 5, " \xE2\x80\x94 ");
  // A literal block's marker reads as Sphinx renders it: "Example::" as
  // "Example:", and a "::" on its own or after a space not at all.
  if (out.size() >= 2 && out.compare(out.size() - 2, 2, "::") == 0) {
    bool after_word = out.size() > 2 && out[out.size() - 3] != ' ';
    out.erase(out.size() - (after_word ? 1 : 2));
    while (!after_word && !out.empty() && out.back() == ' ') out.pop_back();
  }
  return out;
}

std::vector<DocPassage> rst_passages(const std::string& page, const std::string& rst) {
  std::vector<std::string> lines;
  std::istringstream in(rst);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // Tabs to spaces, so that indentation compares.
    std::string expanded;
    for (char c : line) {
      if (c == '\t') expanded.append(8 - expanded.size() % 8, ' ');
      else expanded += c;
    }
    lines.push_back(std::move(expanded));
  }
  return Splitter(page).run(lines);
}

}  // namespace agentcoder::tools
