// bench/engine: generation throughput of our engine against llama.cpp's own
// llama-batched-bench, and prompt tokens evaluated with prefix sharing.
//
//   engine_bench [MODEL] [--reps N] [--threads N] [--pp N] [--tg N] [--gpu-layers N]
//
// Part 1, for B = 1, 4, 8, 16 parallel sequences with PP-token prompts and TG
// generated tokens each: llama-batched-bench with the same model, threads,
// context, batch sizes and flash attention, then our engine (greedy, EOS
// ignored so every sequence makes TG tokens), interleaved, N repetitions;
// medians. Both count generation after the prompts: batched-bench times TG
// decode steps of random tokens, we time the TG-1 steps after the first token
// (which comes from the prompt's logits) and also sample every token.
// Target: ours/theirs >= 0.9 on every row.
//
// Part 2: 16 requests sharing a ~300-token system prompt: prompt tokens
// evaluated with and without prefix sharing. Target: shared <= 1.1 x
// (prefix + 16 x suffix).
#include <algorithm>
#include <array>
#include <cstdio>
#include <future>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "models/engine.h"
#include "models/model.h"
#include "utils/errors.h"
#include "utils/paths.h"

using namespace agentcoder::models;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int context_for(int parallel, int pp, int tg) { return ((parallel * (pp + tg + 8) + 255) / 256) * 256; }

// S_TG of llama-batched-bench for one B; 0 on failure.
int gpu_layers = 0;

double theirs(const std::string& model, int parallel, int pp, int tg, int threads) {
  std::string cmd = std::string(LLAMA_BATCHED_BENCH) + " -m " + model + " -c " +
                    std::to_string(context_for(parallel, pp, tg)) + " -b 2048 -ub 512 -npp " + std::to_string(pp) +
                    " -ntg " + std::to_string(tg) + " -npl " + std::to_string(parallel) + " -t " +
                    std::to_string(threads) + " -fa on -ngl " + std::to_string(gpu_layers) + " 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe.get())) > 0) out.append(buf.data(), n);
  // |    PP |     TG |    B |   N_KV |   T_PP s | S_PP t/s |   T_TG s | S_TG t/s | ...
  std::regex row(R"(\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|)");
  std::smatch m;
  if (!std::regex_search(out, m, row)) {
    std::fprintf(stderr, "could not parse llama-batched-bench output:\n%s\n", out.c_str());
    return 0;
  }
  return std::stod(m[8]);
}

double ours(const Model& model, int parallel, int pp, int tg, int threads) {
  EngineOptions o;
  o.context_size = context_for(parallel, pp, tg);
  o.parallel = parallel;
  o.max_prefixes = 0;
  o.threads = threads;
  o.batch_size = 2048;
  Engine engine(model, o);
  const int n_vocab = 49152;  // random prompt tokens below every real vocab size
  uint64_t state = 12345;
  std::vector<std::future<GenerationResult>> futures;
  for (int s = 0; s < parallel; ++s) {
    GenerationRequest r;
    for (int i = 0; i < pp; ++i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      r.prompt_tokens.push_back(static_cast<int32_t>((state >> 33) % n_vocab));
    }
    r.sampling.max_tokens = tg;
    r.sampling.ignore_eos = true;
    futures.push_back(engine.submit(std::move(r)));
  }
  // The phase llama-batched-bench times as T_TG: from the moment every
  // sequence has its first token (the engine evaluates prompts one at a time,
  // before any decode) to the last one done. Times are from submission.
  double last_first_token_ms = 0, last_done_ms = 0;
  for (auto& f : futures) {
    GenerationResult g = f.get();
    double first_token_ms = g.stats.queued_ms + g.stats.prompt_eval_ms;
    last_first_token_ms = std::max(last_first_token_ms, first_token_ms);
    last_done_ms = std::max(last_done_ms, first_token_ms + g.stats.decode_ms);
  }
  double decode_ms = last_done_ms - last_first_token_ms;
  return decode_ms > 0 ? parallel * (tg - 1) / (decode_ms / 1000.0) : 0;
}

void prefix_sharing(const Model& model, int threads) {
  std::string system = "<|im_start|>system\nYou are AgentCoder, a careful assistant for Python programming tasks. ";
  for (int i = 0; system.size() < 1400; ++i)
    system += "Rule " + std::to_string(i) + ": think about whether running code would help before answering. ";
  system += "<|im_end|>\n";
  auto run = [&](bool share, int* prefix_len, uint64_t* suffix_total) {
    EngineOptions o;
    o.context_size = 16 * 512 + 512;
    o.parallel = 16;
    o.max_prefixes = 1;
    o.threads = threads;
    Engine engine(model, o);
    auto prefix = engine.tokenize(system);
    *prefix_len = static_cast<int>(prefix.size());
    if (share) engine.add_prefix(prefix);
    std::vector<std::future<GenerationResult>> futures;
    *suffix_total = 0;
    for (int s = 0; s < 16; ++s) {
      GenerationRequest r;
      r.prompt_tokens = engine.tokenize(system + "<|im_start|>user\nTask " + std::to_string(s) +
                                        ": what is " + std::to_string(1000 + 37 * s) + " squared?<|im_end|>\n<|im_start|>assistant\n");
      *suffix_total += r.prompt_tokens.size() - prefix.size();
      r.sampling.max_tokens = 4;
      futures.push_back(engine.submit(std::move(r)));
    }
    for (auto& f : futures) f.get();
    return engine.totals().prompt_tokens_evaluated;
  };
  int prefix_len = 0;
  uint64_t suffix_total = 0;
  uint64_t without = run(false, &prefix_len, &suffix_total);
  uint64_t with = run(true, &prefix_len, &suffix_total);
  double ideal = prefix_len + static_cast<double>(suffix_total);
  std::printf("\nPrefix sharing, 16 requests, shared system prompt of %d tokens, %.1f suffix tokens each:\n",
              prefix_len, suffix_total / 16.0);
  std::printf("| %-16s | %14s | %15s |\n", "", "prompt tokens", "/ (P + 16 x S)");
  std::printf("|------------------|----------------|-----------------|\n");
  std::printf("| %-16s | %14llu | %15.3f |\n", "without sharing", (unsigned long long)without, without / ideal);
  std::printf("| %-16s | %14llu | %15.3f |\n", "with sharing", (unsigned long long)with, with / ideal);
  std::printf("target: with sharing <= 1.1 -> %s\n", with / ideal <= 1.1 ? "met" : "NOT met");
}

}  // namespace

int run(const std::string& model_path, int reps, int threads, int pp, int tg) {
  Model model({model_path, gpu_layers});
  std::printf("model %s, %d threads, prompt %d, generate %d, %d reps (medians)\n", model_path.c_str(), threads, pp, tg,
              reps);
  const std::vector<int> parallels = {1, 4, 8, 16};
  std::vector<std::vector<double>> t(parallels.size()), o(parallels.size());
  for (int r = 0; r < reps; ++r) {
    for (size_t i = 0; i < parallels.size(); ++i) {
      t[i].push_back(theirs(model_path, parallels[i], pp, tg, threads));
      o[i].push_back(ours(model, parallels[i], pp, tg, threads));
    }
  }
  std::printf("\n| %3s | %16s | %16s | %11s |\n", "B", "ours S_TG t/s", "llama.cpp t/s", "ours/theirs");
  std::printf("|-----|------------------|------------------|-------------|\n");
  bool met = true;
  for (size_t i = 0; i < parallels.size(); ++i) {
    double a = median(o[i]), b = median(t[i]);
    double ratio = b > 0 ? a / b : 0;
    met = met && ratio >= 0.9;
    std::printf("| %3d | %16.1f | %16.1f | %11.3f |\n", parallels[i], a, b, ratio);
  }
  std::printf("target: ours/theirs >= 0.9 on every row -> %s\n", met ? "met" : "NOT met");
  prefix_sharing(model, threads);
  return 0;
}

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);  // each row as it is measured, also into a pipe or file
  CLI::App app{"engine_bench: our engine's generation throughput against llama-batched-bench"};
  std::string model_path = agentcoder::default_model_path();
  int reps = 3, threads = 2, pp = 128, tg = 128;
  app.add_option("model", model_path, "GGUF model (default: the default model)");
  app.add_option("--reps", reps, "repetitions (medians)")->check(CLI::Range(1, 100));
  app.add_option("--threads", threads, "threads")->check(CLI::Range(1, 1024));
  app.add_option("--pp", pp, "prompt tokens per sequence")->check(CLI::Range(1, 8192));
  app.add_option("--tg", tg, "generated tokens per sequence")->check(CLI::Range(2, 8192));
  app.add_option("--gpu-layers", gpu_layers, "layers on the GPU")->check(CLI::Range(0, 1000));
  try {
    app.parse(argc, argv);
    return run(model_path, reps, threads, pp, tg);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "engine_bench: %s\n", e.what());
    return 2;
  } catch (const agentcoder::InputError& e) {
    std::fprintf(stderr, "engine_bench: %s\n", e.what());
    return 2;
  }
}
