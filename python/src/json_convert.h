// JSON values (nlohmann) to Python objects and back: the records, scores and
// metrics the harness builds as JSON reach Python as plain dicts, lists,
// str, int, float, bool and None, with no second definition of their fields.
#pragma once

#include <nanobind/nanobind.h>
#include <nlohmann/json.hpp>

namespace agentcoder::python {

nanobind::object to_python(const nlohmann::json& value);
nanobind::object to_python(const nlohmann::ordered_json& value);
// Raises ValueError (through nanobind::value_error) naming `where` for an
// object JSON cannot hold (a set, a float key, NaN is kept as JSON allows).
nlohmann::ordered_json from_python(nanobind::handle value, const std::string& where);

}  // namespace agentcoder::python
