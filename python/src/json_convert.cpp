#include "json_convert.h"

#include <string>

#include <nanobind/stl/string.h>

namespace nb = nanobind;

namespace agentcoder::python {
namespace {

template <class Json>
nb::object convert(const Json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return nb::none();
    case nlohmann::json::value_t::boolean: return nb::bool_(v.template get<bool>());
    case nlohmann::json::value_t::number_integer: return nb::int_(v.template get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: return nb::int_(v.template get<uint64_t>());
    case nlohmann::json::value_t::number_float: return nb::float_(v.template get<double>());
    case nlohmann::json::value_t::string: {
      const std::string& s = v.template get_ref<const std::string&>();
      // Text from a program's output may hold bytes that are not UTF-8:
      // replaced, as the store does, rather than failing the whole record.
      PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
      if (!o) throw nb::python_error();
      return nb::steal(o);
    }
    case nlohmann::json::value_t::array: {
      nb::list out;
      for (const auto& item : v) out.append(convert(item));
      return out;
    }
    case nlohmann::json::value_t::object: {
      nb::dict out;
      for (auto it = v.begin(); it != v.end(); ++it) out[nb::str(it.key().c_str(), it.key().size())] = convert(it.value());
      return out;
    }
    default: return nb::none();  // binary and discarded values: the harness writes neither
  }
}

}  // namespace

nb::object to_python(const nlohmann::json& value) { return convert(value); }
nb::object to_python(const nlohmann::ordered_json& value) { return convert(value); }

nlohmann::ordered_json from_python(nb::handle v, const std::string& where) {
  if (v.is_none()) return nullptr;
  if (nb::isinstance<nb::bool_>(v)) return nb::cast<bool>(v);
  if (nb::isinstance<nb::int_>(v)) return nb::cast<int64_t>(v);
  if (nb::isinstance<nb::float_>(v)) return nb::cast<double>(v);
  if (nb::isinstance<nb::str>(v)) return nb::cast<std::string>(v);
  if (nb::isinstance<nb::dict>(v)) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (auto [key, value] : nb::borrow<nb::dict>(v)) {
      if (!nb::isinstance<nb::str>(key)) throw nb::value_error((where + ": keys must be str").c_str());
      const std::string k = nb::cast<std::string>(key);
      out[k] = from_python(value, where + "." + k);
    }
    return out;
  }
  if (nb::isinstance<nb::list>(v) || nb::isinstance<nb::tuple>(v)) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    size_t i = 0;
    for (nb::handle item : v) out.push_back(from_python(item, where + "[" + std::to_string(i++) + "]"));
    return out;
  }
  throw nb::value_error((where + ": " + nb::cast<std::string>(nb::str(v.type())) + " is not a JSON value").c_str());
}

}  // namespace agentcoder::python
