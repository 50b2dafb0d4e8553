#include "data/toml_json.h"

#include <cstdio>

#include <toml++/toml.h>

#include "utils/errors.h"

namespace agentcoder::data {
namespace {

using json = nlohmann::ordered_json;

json convert(const toml::node& node) {
  if (auto t = node.as_table()) {
    json j = json::object();
    for (const auto& [k, v] : *t) j[std::string(k.str())] = convert(v);
    return j;
  }
  if (auto a = node.as_array()) {
    json j = json::array();
    for (const auto& v : *a) j.push_back(convert(v));
    return j;
  }
  if (auto s = node.as_string()) return s->get();
  if (auto i = node.as_integer()) return i->get();
  if (auto f = node.as_floating_point()) return f->get();
  if (auto b = node.as_boolean()) return b->get();
  if (auto d = node.as_date()) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", int(d->get().year), int(d->get().month), int(d->get().day));
    return std::string(buf);
  }
  return nullptr;  // times and date-times are not used
}

}  // namespace

json parse_toml(const std::string& text, const std::string& source_name) {
  try {
    toml::table table = toml::parse(text, source_name);
    return convert(table);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw InputError(source_name + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": " +
                     std::string(e.description()));
  }
}

}  // namespace agentcoder::data
