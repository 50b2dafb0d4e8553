#include "data/template.h"

#include <cctype>
#include <stdexcept>

#include "utils/text.h"

namespace agentcoder::data {
namespace {

using json = nlohmann::ordered_json;

std::string plain(const json& v) { return v.is_string() ? v.get<std::string>() : python_literal(v); }

std::string join(const json& v, const std::string& sep, const std::string& placeholder) {
  if (!v.is_array()) throw std::invalid_argument("{{" + placeholder + "}}: the filter needs a list");
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + plain(v[i]);
  return out;
}

}  // namespace

const json* lookup(const json& context, const std::string& path) {
  const json* node = &context;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (node->is_object()) {
      auto it = node->find(key);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array() && !key.empty() && key.find_first_not_of("0123456789") == std::string::npos) {
      size_t index = std::stoul(key);
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return node;
}

std::string python_literal(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "None";
    case json::value_t::boolean: return v.get<bool>() ? "True" : "False";
    case json::value_t::string: {
      std::string out = "'";
      for (char c : v.get<std::string>()) {
        if (c == '\\' || c == '\'') out += '\\';
        if (c == '\n') { out += "\\n"; continue; }
        if (c == '\t') { out += "\\t"; continue; }
        out += c;
      }
      return out + "'";
    }
    case json::value_t::array: {
      std::string out = "[";
      for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + python_literal(v[i]);
      return out + "]";
    }
    case json::value_t::object: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, x] : v.items()) {
        out += (first ? "" : ", ") + python_literal(json(k)) + ": " + python_literal(x);
        first = false;
      }
      return out + "}";
    }
    default: return v.dump();
  }
}

std::string sole_placeholder(const std::string& text) {
  if (text.size() < 4 || text.compare(0, 2, "{{") != 0 || text.compare(text.size() - 2, 2, "}}") != 0) return "";
  std::string inner = text.substr(2, text.size() - 4);
  if (inner.find("{{") != std::string::npos || inner.find("}}") != std::string::npos) return "";
  if (inner.find('|') != std::string::npos) return "";
  return trim(inner);
}

std::string find_placeholder(const std::string& text) {
  auto name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (size_t open = text.find("{{"); open != std::string::npos; open = text.find("{{", open + 1)) {
    size_t close = text.find("}}", open + 2);
    if (close == std::string::npos) return "";
    std::string inner = trim(text.substr(open + 2, close - open - 2));
    std::string path = inner, filter;
    if (auto bar = inner.find('|'); bar != std::string::npos) {
      path = trim(inner.substr(0, bar));
      filter = trim(inner.substr(bar + 1));
    }
    // A path: segments of name characters joined by dots, the first not empty.
    bool ok = !path.empty() && path.front() != '.' && path.back() != '.' && path.find("..") == std::string::npos;
    for (char c : path) ok = ok && (name_char(c) || c == '.');
    for (char c : filter) ok = ok && name_char(c);
    if (inner.find('|') != std::string::npos && filter.empty()) ok = false;
    if (ok) return text.substr(open, close + 2 - open);
  }
  return "";
}

std::string render_template(const std::string& text, const json& context) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = text.find("{{", pos);
    if (open == std::string::npos) break;
    size_t close = text.find("}}", open + 2);
    if (close == std::string::npos) throw std::invalid_argument("unclosed '{{' in template");
    out.append(text, pos, open - pos);
    std::string inner = trim(text.substr(open + 2, close - open - 2));
    std::string path = inner, filter;
    if (auto bar = inner.find('|'); bar != std::string::npos) {
      path = trim(inner.substr(0, bar));
      filter = trim(inner.substr(bar + 1));
    }
    const json* v = lookup(context, path);
    if (!v) throw std::invalid_argument("{{" + inner + "}}: '" + path + "' is not defined");
    if (filter.empty()) out += plain(*v);
    else if (filter == "csv") out += join(*v, ", ", inner);
    else if (filter == "lines") out += join(*v, "\n", inner);
    else if (filter == "json") out += v->dump();
    else if (filter == "repr") out += python_literal(*v);
    else if (filter == "len") out += std::to_string(v->is_string() ? v->get<std::string>().size() : v->size());
    else if (filter == "key") {
      if (!v->is_object() || v->empty()) throw std::invalid_argument("{{" + inner + "}}: |key needs a non-empty object");
      out += v->begin().key();
    }
    else throw std::invalid_argument("{{" + inner + "}}: unknown filter '" + filter + "'");
    pos = close + 2;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

}  // namespace agentcoder::data
