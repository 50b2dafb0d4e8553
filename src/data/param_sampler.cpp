#include "data/param_sampler.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <stdexcept>

#include "data/rng.h"

namespace agentcoder::data {

int64_t days_from_civil(int y, unsigned m, unsigned d) {
  // Howard Hinnant's algorithm.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(y + (m <= 2)), m, d);
  return buf;
}

namespace {

using json = nlohmann::ordered_json;

class Sampler {
 public:
  Sampler(const json& specs, uint64_t seed) : specs_(specs), seed_(seed) {}

  json run() {
    for (const auto& [name, spec] : specs_.items()) value(name);
    json out = json::object();
    for (const auto& [name, spec] : specs_.items()) out[name] = done_[name];
    return out;
  }

 private:
  [[noreturn]] void bad(const std::string& name, const std::string& message) {
    throw std::invalid_argument("parameter '" + name + "': " + message);
  }

  const json& value(const std::string& name) {
    if (done_.contains(name)) return done_[name];
    if (!specs_.contains(name)) bad(name, "is referenced but not defined");
    if (busy_.count(name)) bad(name, "refers to itself");
    busy_.insert(name);
    done_[name] = draw(name, specs_[name]);
    busy_.erase(name);
    return done_[name];
  }

  // An integer argument: a literal or the name of an integer parameter.
  int64_t integer(const std::string& name, const json& arg) {
    if (arg.is_number_integer()) return arg.get<int64_t>();
    if (arg.is_string()) {
      const json& v = value(arg.get<std::string>());
      if (v.is_number_integer()) return v.get<int64_t>();
    }
    bad(name, "expected an integer or the name of an integer parameter, got " + arg.dump());
  }

  json draw(const std::string& name, const json& spec) {
    if (!spec.is_object()) return spec;
    if (spec.size() != 1) bad(name, "a sampler table holds exactly one key");
    Rng rng(derive_seed(seed_, name));
    const std::string kind = spec.begin().key();
    const json& arg = spec.begin().value();
    if (kind == "value") return arg;
    if (kind == "int") {
      if (!arg.is_array() || arg.size() != 2) bad(name, "int = [lo, hi]");
      int64_t lo = integer(name, arg[0]), hi = integer(name, arg[1]);
      if (lo > hi) bad(name, "int: lo > hi");
      return rng.between(lo, hi);
    }
    if (kind == "digits") {
      int64_t n = integer(name, arg);
      if (n < 1 || n > 10000) bad(name, "digits must be 1..10000");
      std::string s(1, static_cast<char>('1' + rng.below(9)));
      for (int64_t i = 1; i < n; ++i) s += static_cast<char>('0' + rng.below(10));
      return s;
    }
    if (kind == "choice") {
      if (!arg.is_array() || arg.empty()) bad(name, "choice needs a non-empty list");
      return arg[rng.below(arg.size())];
    }
    if (kind == "sample") {
      if (!arg.is_object() || !arg.contains("from") || !arg["from"].is_array()) bad(name, "sample = {from, k}");
      json pool = arg["from"];
      int64_t k = integer(name, arg.value("k", json(1)));
      if (k < 0 || static_cast<size_t>(k) > pool.size()) bad(name, "sample: k out of range");
      json out = json::array();
      for (int64_t i = 0; i < k; ++i) {
        size_t j = rng.below(pool.size());
        out.push_back(pool[j]);
        pool.erase(j);
      }
      return out;
    }
    if (kind == "list") {
      if (!arg.is_object()) bad(name, "list = {len, lo, hi}");
      int64_t len = integer(name, arg.value("len", json(0)));
      int64_t lo = integer(name, arg.value("lo", json(0)));
      int64_t hi = integer(name, arg.value("hi", json(9)));
      bool distinct = arg.value("distinct", false), sorted = arg.value("sorted", false);
      if (len < 0 || lo > hi || (distinct && hi - lo + 1 < len)) bad(name, "list: impossible bounds");
      std::vector<int64_t> xs;
      std::set<int64_t> seen;
      while (static_cast<int64_t>(xs.size()) < len) {
        int64_t x = rng.between(lo, hi);
        if (distinct && !seen.insert(x).second) continue;
        xs.push_back(x);
      }
      if (sorted) std::sort(xs.begin(), xs.end());
      return xs;
    }
    if (kind == "word") {
      if (!arg.is_object()) bad(name, "word = {len, alphabet}");
      int64_t len = integer(name, arg.value("len", json(5)));
      std::string alphabet = arg.value("alphabet", std::string("abcdefghijklmnopqrstuvwxyz"));
      if (len < 0 || alphabet.empty()) bad(name, "word: bad len or alphabet");
      std::string s;
      for (int64_t i = 0; i < len; ++i) s += alphabet[rng.below(alphabet.size())];
      return s;
    }
    if (kind == "decimal") {
      if (!arg.is_object()) bad(name, "decimal = {lo, hi, places}");
      int64_t places = integer(name, arg.value("places", json(2)));
      if (places < 0 || places > 12) bad(name, "decimal: places must be 0..12");
      int64_t scale = 1;
      for (int64_t i = 0; i < places; ++i) scale *= 10;
      int64_t lo = integer(name, arg.value("lo", json(0))) * scale;
      int64_t hi = integer(name, arg.value("hi", json(100))) * scale;
      if (lo > hi) bad(name, "decimal: lo > hi");
      int64_t x = rng.between(lo, hi);
      std::string sign = x < 0 ? "-" : "";
      uint64_t ax = x < 0 ? static_cast<uint64_t>(-x) : static_cast<uint64_t>(x);
      std::string s = sign + std::to_string(ax / scale);
      if (places > 0) {
        std::string frac = std::to_string(ax % scale);
        s += "." + std::string(places - frac.size(), '0') + frac;
      }
      return s;
    }
    if (kind == "date") {
      if (!arg.is_array() || arg.size() != 2 || !arg[0].is_string() || !arg[1].is_string())
        bad(name, "date = [\"YYYY-MM-DD\", \"YYYY-MM-DD\"]");
      auto parse = [&](const std::string& s) {
        int y = 0;
        unsigned m = 0, d = 0;
        if (std::sscanf(s.c_str(), "%d-%u-%u", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
          bad(name, "bad date '" + s + "'");
        return days_from_civil(y, m, d);
      };
      int64_t a = parse(arg[0].get<std::string>()), b = parse(arg[1].get<std::string>());
      if (a > b) bad(name, "date: first after second");
      return civil_from_days(rng.between(a, b));
    }
    bad(name, "unknown sampler '" + kind + "'");
  }

  const json& specs_;
  uint64_t seed_;
  json done_ = json::object();
  std::set<std::string> busy_;
};

}  // namespace

json sample_params(const json& specs, uint64_t seed) {
  if (!specs.is_object()) throw std::invalid_argument("parameters must be a table");
  return Sampler(specs, seed).run();
}

}  // namespace agentcoder::data
