#include "store/trace_text.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace agentcoder::store {
namespace {

// Shown id length in tables: enough to be unique in any realistic run, and
// `trace show` accepts any prefix.
constexpr size_t kIdWidth = 12;
// Longer cells are cut so that a table row stays on one line.
constexpr size_t kMaxCell = 40;

std::string cell(const std::string& s) {
  std::string one_line = s;
  std::replace(one_line.begin(), one_line.end(), '\n', ' ');
  if (one_line.size() <= kMaxCell) return one_line;
  return one_line.substr(0, kMaxCell - 3) + "...";
}

std::string number(double v, const char* format = "%.0f") {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// Multi-line text, indented, with an explicit mark for empty text.
void block(std::ostream& out, const std::string& text, const std::string& indent = "    ") {
  if (text.empty()) {
    out << indent << "(empty)\n";
    return;
  }
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out << indent << text.substr(start, end - start) << '\n';
    start = end + 1;
  }
}

// Tool arguments: a JSON object is shown field by field, with string values
// as they read (code keeps its line breaks); anything else as written.
void arguments_block(std::ostream& out, const std::string& arguments) {
  nlohmann::json args = nlohmann::json::parse(arguments, nullptr, /*allow_exceptions=*/false);
  if (!args.is_object()) {
    block(out, arguments);
    return;
  }
  for (const auto& [name, value] : args.items()) {
    if (value.is_string() && value.get<std::string>().find('\n') != std::string::npos) {
      out << "    " << name << ":\n";
      block(out, value.get<std::string>(), "      ");
    } else {
      std::string shown = value.is_string() ? value.get<std::string>()
                                            : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      out << "    " << name << ": " << shown << "\n";
    }
  }
}

std::string probe(const std::optional<double>& p) { return p ? number(*p, "%.3f") : "-"; }

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

void print_episode_table(std::ostream& out, const StoredRun& run, const std::vector<StoredEpisode>& episodes) {
  out << "run " << run.record.name << ": " << run.episode_count << (run.episode_count == 1 ? " episode" : " episodes")
      << " from " << run.session_count << (run.session_count == 1 ? " session" : " sessions") << ", created "
      << run.created_at;
  if (static_cast<int64_t>(episodes.size()) != run.episode_count) out << "; " << episodes.size() << " shown";
  out << "\n";
  if (episodes.empty()) return;
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"id", "task", "variant", "format", "mode", "decision", "stop", "tokens", "ms"});
  for (const StoredEpisode& e : episodes) {
    const EpisodeRecord& r = e.record;
    std::string decision = r.first_decision + (r.first_tool.empty() ? "" : ":" + r.first_tool);
    rows.push_back({e.key_id.substr(0, kIdWidth), cell(r.key.task_id), cell(r.variant), cell(r.key.prompt_format),
                    cell(r.key.mode), cell(or_dash(decision)), cell(r.stop_reason),
                    std::to_string(r.prompt_tokens) + "/" + std::to_string(r.generated_tokens), number(r.wall_ms)});
  }
  std::vector<size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      bool right = i + 2 >= row.size();  // tokens and ms are numbers
      std::string pad(widths[i] - row[i].size(), ' ');
      line += right ? pad + row[i] : row[i] + pad;
      if (i + 1 < row.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  }
}

void print_episode_trace(std::ostream& out, const StoredRun& run, const StoredEpisode& e) {
  const EpisodeRecord& r = e.record;
  const EpisodeKey& k = r.key;
  out << "episode   " << e.key_id << "\n";
  out << "run       " << run.record.name << " (session " << e.session_id << ", stored " << e.stored_at << ")\n";
  out << "task      " << k.task_id << "  [" << or_dash(r.category) << ", " << or_dash(r.difficulty)
      << ", optimal tool: " << or_dash(r.optimal_tool) << "]\n";
  out << "model     " << or_dash(r.variant) << "  sha256 " << k.model_sha256.substr(0, 16) << "\n";
  for (const AdapterRef& a : k.adapters)
    out << "adapter   " << a.path << "  sha256 " << a.sha256.substr(0, 16) << "  scale " << number(a.scale, "%g")
        << "\n";
  out << "prompt    " << or_dash(k.prompt_format) << "  mode " << k.mode << "  seed " << k.seed
      << (k.sample > 0 ? "  sample " + std::to_string(k.sample) : std::string()) << "\n";
  out << "tools     " << (k.tools.empty() ? "none" : joined(k.tools)) << "\n";
  if (!k.settings.is_null())
    out << "settings  " << k.settings.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  out << "decision  " << or_dash(r.first_decision) << (r.first_tool.empty() ? "" : " (" + r.first_tool + ")")
      << "  p_tool " << probe(r.p_tool) << "  p_text " << probe(r.p_text) << "\n";
  // p_tool's terms: each opener, its tokens, and the probability of the reply beginning with them.
  for (const ProbeOpenerRecord& o : r.probe_openers) {
    std::string ids;
    for (int32_t t : o.tokens) ids += (ids.empty() ? "" : ",") + std::to_string(t);
    out << "probe     " << o.opener << "  [" << ids << "]  " << number(o.p, "%.3g") << "\n";
  }
  out << "stop      " << r.stop_reason << "  steps " << e.step_count << "  tool calls " << e.tool_call_count << "\n";
  if (!r.error.empty()) out << "error     " << r.error << "\n";
  out << "tokens    prompt " << r.prompt_tokens << ", generated " << r.generated_tokens << "\n";
  out << "time      wall " << number(r.wall_ms) << " ms = prompt eval " << number(r.prompt_eval_ms) << ", decode "
      << number(r.decode_ms) << ", tools " << number(r.tool_ms) << ", queue " << number(r.queue_ms) << " ms\n";
  out << "answer\n";
  block(out, r.final_answer);

  for (size_t i = 0; i < r.steps.size(); ++i) {
    const StepRecord& s = r.steps[i];
    out << "\n--- step " << i + 1 << ": " << s.reply_kind << "  (prompt " << s.prompt_tokens << " tok";
    if (s.prefix_reused_tokens > 0) out << ", " << s.prefix_reused_tokens << " reused";
    out << "; generated " << s.generated_tokens << " tok; queue " << number(s.queue_ms) << " ms, prompt eval "
        << number(s.prompt_eval_ms) << " ms, decode " << number(s.decode_ms) << " ms; stop "
        << or_dash(s.generation_stop) << ")\n";
    if (!s.prefill.empty()) {
      out << "  prefill\n";
      block(out, s.prefill);
    }
    out << "  model\n";
    block(out, s.model_text);
    for (const std::string& error : s.parse_errors) out << "  parse error: " << error << "\n";
    if (!s.repairs.empty()) out << "  repairs: " << joined(s.repairs) << "\n";
    for (size_t c = 0; c < s.tool_calls.size(); ++c) {
      const ToolCallRecord& call = s.tool_calls[c];
      std::string status = !call.executed ? "not executed" : call.ok ? "ok" : "failed";
      if (!call.error_class.empty()) status += " (" + call.error_class + ")";
      out << "  call " << c + 1 << ": " << call.tool << "  " << status << ", " << number(call.wall_ms) << " ms\n";
      out << "  arguments\n";
      arguments_block(out, call.arguments);
      out << "  result\n";
      block(out, call.result);
    }
  }
}

}  // namespace agentcoder::store
