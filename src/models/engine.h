// The batched generation engine: many independent requests decoded together
// on one llama.cpp context (continuous batching), with shared prompt
// prefixes evaluated once and reused through the KV cache.
//
// Requests are submitted from any thread and complete through futures; one
// engine thread owns the context. Each step it admits queued requests into
// free sequence sequences (a request joins between steps), then either
// evaluates the next chunk of the oldest admitted prompt or, when no prompt
// waits, decodes one token of every generating sequence (never both, so
// that a sequence's numbers do not depend on what else runs; see step()),
// samples each sequence with its own sampler chain, and retires finished
// sequences (a request leaves between steps).
//
// Every sequence has its own KV stream of context_size / (parallel +
// max_prefixes) cells. With flash attention this makes greedy output in a
// batch identical to decoding alone (measured; see README). One unified pool,
// which llama.cpp also offers, makes attention sum in another order and
// batched outputs drift, so the engine does not use it.
//
// Prefix sharing: add_prefix() evaluates a token prefix once into a reserved
// sequence. An admitted request whose tokens start with a registered prefix
// copies its KV cells (a buffer copy from the prefix's stream) and evaluates
// only the rest.
//
// Adapters apply to the whole context; set_adapters() waits for the engine
// to be idle, swaps them, and re-evaluates the registered prefixes.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "llama.h"
#include "models/hidden_capture.h"
#include "models/sampling_params.h"
#include "utils/vocabulary.h"


namespace agentcoder::models {

class Model;
class LoraAdapter;

struct EngineOptions {
  int context_size = 8192;      // KV cells in all, shared by the parallel sequences and prefixes
  int context_per_request = 0;  // most tokens (prompt + reply) one request may hold; 0 = context_size
  int parallel = 4;             // sequences decoded at once
  int max_prefixes = 2;         // shared prefixes kept resident
  int batch_size = 2048;        // most tokens in one llama_decode
  int threads = 0;              // 0 = hardware concurrency
  std::string flash_attention = "on";  // on | off | auto (llama.cpp decides)
  std::string kv_type = "f16";           // one of kv_cache_types() (both K and V)
  // Blocks (0 = the first) whose output a request may ask for at its
  // prompt's last token (GenerationRequest::capture_hidden, hidden_capture.h);
  // empty: none, and llama.cpp gets no eval callback.
  std::vector<int> hidden_layers;
};

// The KV-cache types EngineOptions::kv_type takes: f16, f32, bf16, q8_0,
// q4_0. On a CPU, q8_0 decodes long contexts about 3 times faster than f16
// (flash attention's dot products on f16 are slow there; README, "The engine").
const std::vector<std::string>& kv_cache_types();
// Throws std::invalid_argument naming the types unless `name` is one of them.
void check_kv_cache_type(const std::string& name);

struct GenerationRequest {
  std::vector<int32_t> prompt_tokens;  // use Engine::tokenize for text
  SamplingParams sampling;
  // The decision probe: for each token sequence, the probability that the
  // reply begins with it, by the chain rule teacher-forced after the prompt,
  // P(t1 | prompt) * P(t2 | prompt, t1) * ..., each factor a softmax of the
  // raw logits. A sequence of more than one token costs a side decode of its
  // tokens in the request's own KV stream, removed before the reply goes on,
  // so the reply is the same with or without a probe.
  std::vector<std::vector<int32_t>> probe_sequences;
  bool keep_first_logits = false;  // copy the raw logits of the first generated position
  // Keep the hidden state of the prompt's last token at EngineOptions::hidden_layers
  // (GenerationResult::hidden_states). The reply is the same either way.
  bool capture_hidden = false;
};

struct RequestStats {
  int prompt_tokens = 0;         // tokens of the prompt
  int prefix_reused_tokens = 0;  // of which taken from a shared prefix, not evaluated
  int generated_tokens = 0;
  double queued_ms = 0;       // submitted -> admitted into a sequence
  double prompt_eval_ms = 0;  // admitted -> first token sampled
  double decode_ms = 0;       // first token -> done
  uint64_t kv_bytes = 0;      // KV-cache bytes the sequence held when it finished
};

struct GenerationResult {
  std::string text;             // the reply, without the stop string
  std::vector<int32_t> tokens;  // the generated tokens
  GenerationStop stop = GenerationStop::end_of_generation;
  std::string error;            // set when stop == error; "sampler: ..." when the request's
                                // sampling failed (a grammar that does not parse, or that no
                                // token can continue mid-reply); other requests go on
  RequestStats stats;
  // One per probe sequence; empty when the probe could not be measured (its
  // tokens do not fit the request's context, or their decode failed).
  std::vector<double> probe_probabilities;
  std::vector<float> first_logits;         // n_vocab values, if keep_first_logits
  // If capture_hidden: n_embd values per EngineOptions::hidden_layers entry,
  // layer after layer; empty when the engine has no hidden_layers.
  std::vector<float> hidden_states;
};

class Engine {
 public:
  Engine(const Model& model, const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  std::vector<int32_t> tokenize(const std::string& text, bool parse_special = true) const;
  // Tokens of text that continues other text (e.g. a reply after its prompt):
  // no BOS or other added tokens; special tokens are parsed.
  std::vector<int32_t> tokenize_continuation(const std::string& text) const;
  std::string detokenize(const std::vector<int32_t>& tokens) const;

  std::future<GenerationResult> submit(GenerationRequest request);
  GenerationResult generate(GenerationRequest request) { return submit(std::move(request)).get(); }

  // Evaluates `tokens` once and keeps them for reuse; blocks until done.
  // Beyond max_prefixes the oldest prefix is dropped. Returns tokens evaluated;
  // throws if the prefix does not fit a sequence's context.
  int add_prefix(const std::vector<int32_t>& tokens);

  // Replaces the adapter set (empty: none). Waits until no request is in
  // flight, clears the KV cache and re-evaluates the prefixes.
  void set_adapters(const std::vector<std::pair<const LoraAdapter*, float>>& adapters);

  // Counters over the engine's life.
  struct Totals {
    uint64_t prompt_tokens_evaluated = 0;  // prompt and prefix tokens actually decoded
    uint64_t tokens_generated = 0;
    uint64_t decode_calls = 0;
    uint64_t requests_done = 0;
  };
  Totals totals() const;

  const EngineOptions& options() const { return options_; }

 private:
  struct Sequence;
  struct Prefix;
  struct Pending;
  struct Command;

  void loop();
  bool step();  // one decode; false when nothing to do
  // A token added to a decode step for sequence `seq` at `pos`, removed after
  // it (see step()).
  struct Pad {
    int seq = 0;
    int pos = 0;
  };
  int next_position(int seq) const;  // where sequence `seq`'s next token goes
  size_t add_prompt_chunk(Sequence& seq);  // returns the tokens added
  // Adds a token of every generating sequence, and pads; returns the sequences in the batch.
  std::vector<Sequence*> add_decode_tokens(const std::vector<Sequence*>& generating, std::vector<Pad>& pads);
  void fail_decode(int rc, bool prompt_step, const std::vector<Sequence*>& in_batch);
  // After a decode: advances the sequence past its tokens and, once its prompt
  // is evaluated, samples its next token and decides whether it is done.
  void take_output(Sequence& seq);
  void start_generating(Sequence& seq);  // the first generated position: probe's first factors, first logits
  // The probe's further factors, by side decodes; after the first token is
  // sampled, since the decodes overwrite the step's logits.
  void finish_probe(Sequence& seq);
  llama_token sample(Sequence& seq);
  // Appends the token's text; true when a stop string ended the reply (it is cut there).
  bool append_piece(std::string& text, llama_token token, const std::vector<std::string>& stops) const;
  void admit();
  void finish(Sequence& seq, GenerationStop reason, const std::string& error = "");
  int post(std::unique_ptr<Command> command);  // runs it on the engine thread, waits
  void run_command(Command& command);  // fulfils the command's promise
  int execute(Command& command);       // throws
  void evaluate_prefix(Prefix& prefix);
  int32_t argmax_token(const float* logits) const;  // skips suppressed tokens

  const Model& model_;
  EngineOptions options_;
  llama_context* ctx_ = nullptr;
  llama_batch batch_;  // reused every step
  int n_vocab_ = 0;
  std::vector<int32_t> suppressed_tokens_;  // the model's tokens never to sample
  std::unique_ptr<HiddenCapture> capture_;  // null without hidden_layers

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Pending>> queue_;
  std::deque<std::unique_ptr<Command>> commands_;
  bool stopping_ = false;
  Totals totals_;

  std::vector<std::unique_ptr<Sequence>> sequences_;  // engine thread only
  std::vector<std::unique_ptr<Prefix>> prefixes_;
  int next_prefix_seq_ = 0;
  uint64_t admissions_ = 0;
  std::thread thread_;
};

}  // namespace agentcoder::models
