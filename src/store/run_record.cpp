#include "store/run_record.h"

#include "utils/sha256.h"

namespace agentcoder::store {

std::string RunRecord::config_sha256() const {
  if (!config.is_null()) return sha256_hex(config.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return sha256_hex(config_text);
}

}  // namespace agentcoder::store
