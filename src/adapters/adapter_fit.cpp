#include "adapters/adapter_fit.h"

#include <map>

#include "utils/errors.h"

namespace agentcoder::adapters {
namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string string_value(const GgufFacts& facts, const std::string& key) {
  auto it = facts.metadata.find(key);
  return it != facts.metadata.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

AdapterFit check_adapter_fits(const GgufFacts& adapter, const GgufFacts& base) {
  const std::string& where = adapter.path;
  if (string_value(adapter, "general.type") != "adapter")
    throw InputError(where + ": general.type is '" + string_value(adapter, "general.type") + "', not 'adapter'");
  if (string_value(adapter, "adapter.type") != "lora")
    throw InputError(where + ": adapter.type is '" + string_value(adapter, "adapter.type") + "', not 'lora'");
  AdapterFit fit;
  fit.architecture = adapter.architecture();
  if (fit.architecture != base.architecture())
    throw InputError(where + ": adapter architecture '" + fit.architecture + "' does not match the base's '" +
                     base.architecture() + "' (" + base.path + ")");
  auto alpha = adapter.metadata.find("adapter.lora.alpha");
  if (alpha != adapter.metadata.end() && alpha->is_number()) fit.alpha = alpha->get<double>();

  struct Pair {
    const std::vector<int64_t>* a = nullptr;
    const std::vector<int64_t>* b = nullptr;
  };
  std::map<std::string, Pair> pairs;
  for (const auto& [name, ne] : adapter.tensors) {
    if (ends_with(name, ".lora_a")) pairs[name.substr(0, name.size() - 7)].a = &ne;
    else if (ends_with(name, ".lora_b")) pairs[name.substr(0, name.size() - 7)].b = &ne;
    else throw InputError(where + ": tensor '" + name + "' is neither a lora_a nor a lora_b");
  }
  if (pairs.empty()) throw InputError(where + ": no LoRA tensors");
  for (const auto& [name, pair] : pairs) {
    if (pair.a == nullptr || pair.b == nullptr)
      throw InputError(where + ": tensor '" + name + "' has only its " + (pair.a ? "lora_a" : "lora_b"));
    auto it = base.tensors.find(name);
    if (it == base.tensors.end())
      throw InputError(where + ": tensor '" + name + "' is not in the base model " + base.path);
    const auto &w = it->second, &a = *pair.a, &b = *pair.b;
    bool fits = w.size() == 2 && a.size() == 2 && b.size() == 2;
    if (fits && name == "token_embd.weight") fits = w[0] == b[1] && w[1] == a[1];
    else if (fits) fits = w[0] == a[0] && w[1] == b[1] && a[1] == b[0];
    if (!fits)
      throw InputError(where + ": tensor '" + name + "': lora_a " + shape_text(a) + " and lora_b " + shape_text(b) +
                       " do not fit the base's " + shape_text(w));
    const int rank = static_cast<int>(name == "token_embd.weight" ? a[0] : a[1]);
    if (fit.rank != 0 && fit.rank != rank)
      throw InputError(where + ": tensor '" + name + "' has rank " + std::to_string(rank) + ", others " +
                       std::to_string(fit.rank));
    fit.rank = rank;
    fit.base_tensors.push_back(name);
  }
  return fit;
}

}  // namespace agentcoder::adapters
