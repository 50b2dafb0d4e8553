#include "agent/distractor_tool.h"

namespace agentcoder::agent {

models::ToolSchema distractor_tool() {
  return {"get_weather", "Get the current weather for a city: temperature and conditions.",
          R"({"type": "object", "properties": {"city": {"type": "string", "description": "The city name, e.g. Paris"}, )"
          R"("unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"]})"};
}

}  // namespace agentcoder::agent
