#include "cli/decision_tables.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "cli/json_number.h"

namespace agentcoder::cli {
namespace {

using ojson = nlohmann::ordered_json;

std::string with_ci(const ojson& value, const ojson& lo, const ojson& hi, int decimals) {
  std::string s = json_number(value, decimals);
  if (!lo.is_null()) s += " [" + json_number(lo, decimals) + ", " + json_number(hi, decimals) + "]";
  return s;
}

std::string table(const std::string& title, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  std::string out = "\n" + title + "\n";
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      std::string pad(width[i] - row[i].size(), ' ');
      out += i == 0 ? row[i] + pad : "  " + pad + row[i];
    }
    out += "\n";
  }
  return out;
}

std::string arm(const ojson& r) { return r.at("variant").get<std::string>() + "/" + r.at("prompt_format").get<std::string>(); }

std::string share(const ojson& v) { return with_ci(v.at("value"), v.at("lo"), v.at("hi"), 3); }

// A curve's 50% point with its CI, or what stands in its way.
std::string crossing(const ojson& c) {
  if (c.at("x50").is_null()) {
    std::string status = c.at("status").get<std::string>();
    if (!c.at("separation").is_null())
      status += " " + json_number(c.at("separation").at("lo"), 1) + "|" + json_number(c.at("separation").at("hi"), 1);
    return status;
  }
  return json_number(c.at("x50"), 2) + (c.at("lo").is_null() ? " [no CI]" : " [" + json_number(c.at("lo"), 2) + ", " + json_number(c.at("hi"), 2) + "]");
}

}  // namespace

std::string format_necessity(const ojson& necessity) {
  if (necessity.empty()) return "";
  std::vector<std::vector<std::string>> rows = {{"arm", "tasks", "necessary", "benefits", "free eps", "nec.+called",
                                                 "nec.+not called", "unnec.+called", "unnec.+not called",
                                                 "mismatch", "label agrees"}};
  for (const ojson& r : necessity) {
    const ojson& c = r.at("cells");
    rows.push_back({arm(r), json_number(r.at("tasks")), json_number(r.at("necessary_tasks")),
                    json_number(r.at("benefit_tasks")) + "/" + json_number(r.at("benefit_decided_tasks")), json_number(r.at("free_episodes")),
                    share(c.at("necessary_called")), share(c.at("necessary_not_called")),
                    share(c.at("unnecessary_called")), share(c.at("unnecessary_not_called")), share(r.at("mismatch")),
                    json_number(r.at("label_agreement").at("value")) + "/" + json_number(r.at("label_agreement").at("n"))});
  }
  return table("Necessity for this model (needed unless force_text solves >= " + json_number(necessity[0].at("threshold"), 2) +
                   " of its samples) against the free first call: shares of free episodes, 95% CI",
               rows);
}

std::string format_boundaries(const ojson& boundaries) {
  if (boundaries.empty()) return "";
  std::vector<std::vector<std::string>> rows = {
      {"arm", "family", "knob", "tasks", "call 50%", "n", "competence 50%", "n", "gap (call - competence)"}};
  for (const ojson& b : boundaries) {
    const ojson& g = b.at("gap");
    std::string knob = b.at("knob").get<std::string>() + (b.at("scale") == "log10" ? " (log)" : "");
    rows.push_back({arm(b), b.at("family").get<std::string>(), knob, json_number(b.at("tasks")),
                    crossing(b.at("call")), json_number(b.at("call").at("n")), crossing(b.at("competence")),
                    json_number(b.at("competence").at("n")), with_ci(g.at("value"), g.at("lo"), g.at("hi"), 2)});
  }
  return table("Decision boundary (P(call | free) = 50%) against competence boundary (P(correct | force_text) = 50%), "
               "over each family's difficulty knob (log: fitted over log10 of a knob spanning 100x or more); 95% CI",
               rows);
}

}  // namespace agentcoder::cli
