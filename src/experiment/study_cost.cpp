#include "experiment/study_cost.h"

#include <algorithm>

namespace agentcoder::experiment {

StudyCost study_cost(const Plan& plan, const CostOptions& o) {
  StudyCost cost;
  const double per_episode = o.tokens_per_episode > 0 ? o.tokens_per_episode : plan.config.max_tokens;
  for (size_t vi = 0; vi < plan.variants.size(); ++vi) {
    VariantCost v;
    v.name = plan.variants[vi].config.name;
    for (size_t i = 0; i < plan.episodes.size(); ++i)
      if (plan.episodes[i].variant == vi) {
        ++v.episodes;
        if (v.model_bytes == 0) v.model_bytes = static_cast<uint64_t>(episode_cost(plan, i));
      }
    v.tokens = per_episode * static_cast<double>(v.episodes);
    v.tokens_per_second = o.tokens_per_second > 0
                              ? o.tokens_per_second
                              : kReferenceTokensPerSecond * kReferenceModelBytes / std::max<double>(v.model_bytes, 1);
    v.hours = v.tokens / v.tokens_per_second / 3600;
    cost.tokens += v.tokens;
    cost.hours += v.hours;
    cost.variants.push_back(v);
  }
  for (size_t i = 1; i <= o.shards; ++i) {
    ShardCost s;
    s.index = i;
    std::vector<size_t> per_variant(plan.variants.size(), 0);
    for (size_t e : shard_episodes(plan, {i, o.shards})) ++per_variant[plan.episodes[e].variant];
    for (size_t vi = 0; vi < per_variant.size(); ++vi) {
      if (per_variant[vi] == 0) continue;
      const VariantCost& v = cost.variants[vi];
      s.variants.emplace_back(v.name, per_variant[vi]);
      s.episodes += per_variant[vi];
      s.tokens += per_episode * static_cast<double>(per_variant[vi]);
      s.hours += per_episode * static_cast<double>(per_variant[vi]) / v.tokens_per_second / 3600;
    }
    cost.longest_shard_hours = std::max(cost.longest_shard_hours, s.hours);
    cost.shards.push_back(s);
  }
  return cost;
}

}  // namespace agentcoder::experiment
