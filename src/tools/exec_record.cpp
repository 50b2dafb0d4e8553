#include "tools/exec_record.h"

#include "utils/utf8.h"

namespace agentcoder::tools {

nlohmann::json exec_result_json(const sandbox::ExecResult& r) {
  return nlohmann::json{{"stdout", valid_utf8(r.stdout_data)},
                        {"stderr", valid_utf8(r.stderr_data)},
                        {"stdout_truncated", r.stdout_truncated},
                        {"stderr_truncated", r.stderr_truncated},
                        {"exit_code", r.exit_code},
                        {"signal", r.signal},
                        {"timed_out", r.timed_out},
                        {"oom_killed", r.oom_killed},
                        {"wall_seconds", r.wall_seconds},
                        {"cpu_seconds", r.cpu_seconds},
                        {"peak_memory_bytes", r.peak_memory_bytes},
                        {"warm", r.warm},
                        {"missing_protections", r.missing_protections}};
}

}  // namespace agentcoder::tools
