#include "models/engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include "common.h"
#include "llama.h"
#include "models/llama_runtime.h"
#include "models/lora.h"
#include "models/model.h"
#include "sampling.h"

namespace agentcoder::models {
namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

const std::pair<const char*, ggml_type> kKvTypes[] = {
    {"f16", GGML_TYPE_F16}, {"f32", GGML_TYPE_F32}, {"bf16", GGML_TYPE_BF16},
    {"q8_0", GGML_TYPE_Q8_0}, {"q4_0", GGML_TYPE_Q4_0}};

ggml_type parse_kv_type(const std::string& name) {
  std::string known;
  for (const auto& [text, type] : kKvTypes) {
    if (name == text) return type;
    known += (known.empty() ? "" : ", ") + std::string(text);
  }
  throw std::invalid_argument("unknown KV-cache type '" + name + "' (" + known + ")");
}

llama_flash_attn_type parse_flash_attention(const std::string& name) {
  if (name == "auto") return LLAMA_FLASH_ATTN_TYPE_AUTO;
  if (name == "on") return LLAMA_FLASH_ATTN_TYPE_ENABLED;
  if (name == "off") return LLAMA_FLASH_ATTN_TYPE_DISABLED;
  throw std::invalid_argument("unknown flash-attention mode '" + name + "' (auto, on, off)");
}

common_sampler* make_sampler(const llama_model* model, const SamplingParams& s) {
  common_params_sampling p;
  p.seed = s.seed;
  p.temp = s.temperature;
  p.top_k = s.top_k;
  p.top_p = s.top_p;
  p.min_p = s.min_p;
  p.no_perf = true;
  p.samplers = {COMMON_SAMPLER_TYPE_TOP_K, COMMON_SAMPLER_TYPE_TOP_P, COMMON_SAMPLER_TYPE_MIN_P,
                COMMON_SAMPLER_TYPE_TEMPERATURE};
  if (!s.grammar.empty()) {
    // common_sampler_init leaks its sampler chain when it throws on a grammar
    // that does not parse (llama.cpp at this commit; AddressSanitizer's leak
    // check found it), so the grammar is parsed alone first.
    const llama_vocab* vocab = llama_model_get_vocab(model);
    llama_sampler* parsed = llama_sampler_init_grammar(vocab, s.grammar.c_str(), "root");
    if (parsed == nullptr) throw std::runtime_error("failed to parse grammar");
    llama_sampler_free(parsed);
    p.grammar = common_grammar(COMMON_GRAMMAR_TYPE_USER, s.grammar);
    p.grammar_lazy = s.grammar_lazy;
    for (const auto& word : s.trigger_words) {
      auto ids = common_tokenize(vocab, word, false, true);
      if (ids.size() == 1) p.grammar_triggers.push_back({COMMON_GRAMMAR_TRIGGER_TYPE_TOKEN, word, ids[0]});
      else p.grammar_triggers.push_back({COMMON_GRAMMAR_TRIGGER_TYPE_WORD, word});
    }
    for (const auto& pattern : s.trigger_patterns)
      p.grammar_triggers.push_back({COMMON_GRAMMAR_TRIGGER_TYPE_PATTERN, pattern});
    for (const auto& t : s.preserved_tokens) {
      auto ids = common_tokenize(vocab, t, false, true);
      if (ids.size() == 1) p.preserved_tokens.insert(ids[0]);
    }
  }
  return common_sampler_init(model, p);  // throws on a grammar that does not parse
}

// Greedy decoding without a grammar needs no sampler chain: the argmax of
// the logits is the same token, without copying the whole vocabulary.
bool greedy(const SamplingParams& s) { return s.temperature <= 0 && s.grammar.empty(); }

// The softmax of raw logits at `token`; 0 for a token outside the vocabulary.
double probability_of(const float* logits, int n_vocab, int32_t token) {
  if (token < 0 || token >= n_vocab) return 0.0;
  float max_logit = *std::max_element(logits, logits + n_vocab);
  double sum = 0;
  for (int i = 0; i < n_vocab; ++i) sum += std::exp(double(logits[i]) - max_logit);
  return std::exp(double(logits[token]) - max_logit) / sum;
}

}  // namespace

const std::vector<std::string>& kv_cache_types() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& entry : kKvTypes) v.push_back(entry.first);
    return v;
  }();
  return names;
}

void check_kv_cache_type(const std::string& name) { parse_kv_type(name); }

struct Engine::Pending {
  GenerationRequest request;
  std::promise<GenerationResult> promise;
  Clock::time_point submitted;
};

struct Engine::Sequence {
  int seq = 0;
  std::unique_ptr<Pending> pending;  // null when the sequence is free
  common_sampler* sampler = nullptr;
  uint64_t admitted_order = 0;
  int n_past = 0;         // tokens in the KV cache for this sequence
  size_t prompt_next = 0;  // first prompt token not yet evaluated
  int batch_index = -1;   // this step's output row, -1 if none
  int tokens_in_batch = 0;
  int32_t last_token = 0;
  bool generating = false;
  Clock::time_point admitted, first_token;
  GenerationResult result;
};

struct Engine::Prefix {
  int seq = 0;
  std::vector<int32_t> tokens;
};

struct Engine::Command {
  enum Kind { add_prefix, set_adapters } kind;
  std::vector<int32_t> tokens;
  std::vector<std::pair<const LoraAdapter*, float>> adapters;
  std::promise<int> done;
};

Engine::Engine(const Model& model, const EngineOptions& options) : model_(model), options_(options) {
  ensure_llama_backend();
  if (options_.parallel < 1) throw std::invalid_argument("parallel must be at least 1");
  if (options_.max_prefixes < 0) throw std::invalid_argument("max_prefixes must not be negative");
  if (options_.batch_size < options_.parallel + 1)
    throw std::invalid_argument("batch_size must hold a token of every sequence and a pad (parallel + 1)");
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = options_.context_size;
  cp.n_batch = options_.batch_size;
  cp.n_ubatch = std::min(options_.batch_size, 512);
  cp.n_seq_max = options_.parallel + options_.max_prefixes;
  int threads = options_.threads > 0 ? options_.threads : static_cast<int>(std::thread::hardware_concurrency());
  cp.n_threads = cp.n_threads_batch = std::max(1, threads);
  cp.flash_attn_type = parse_flash_attention(options_.flash_attention);
  cp.type_k = cp.type_v = parse_kv_type(options_.kv_type);
  cp.kv_unified = false;  // per-sequence KV streams (see engine.h)
  cp.no_perf = true;
  if (!options_.hidden_layers.empty()) {
    const int n_layer = llama_model_n_layer(model.get());
    for (int layer : options_.hidden_layers)
      if (layer < 0 || layer >= n_layer)
        throw std::invalid_argument("hidden layer " + std::to_string(layer) + " is not a layer of the model (0 to " +
                                    std::to_string(n_layer - 1) + ")");
    capture_ = std::make_unique<HiddenCapture>(options_.hidden_layers);
    cp.cb_eval = &HiddenCapture::observe;
    cp.cb_eval_user_data = capture_.get();
  }
  ctx_ = llama_init_from_model(model.get(), cp);
  if (ctx_ == nullptr) throw std::runtime_error("llama.cpp could not create a context (context size, KV type?)");
  n_vocab_ = llama_vocab_n_tokens(model.vocab());
  // llama.cpp caps a batch at the context size and asserts (aborts) on a
  // bigger one, so prompt and prefix chunks must not exceed its cap.
  options_.batch_size = std::min(options_.batch_size, static_cast<int>(llama_n_batch(ctx_)));
  int per_seq = static_cast<int>(llama_n_ctx_seq(ctx_));
  if (options_.context_per_request <= 0 || options_.context_per_request > per_seq)
    options_.context_per_request = per_seq;
  batch_ = llama_batch_init(options_.batch_size, 0, 1);
  int32_t n_suppress = 0;
  const llama_token* suppress = llama_vocab_get_suppress_tokens(model.vocab(), &n_suppress);
  suppressed_tokens_.assign(suppress, suppress + n_suppress);
  for (int i = 0; i < options_.parallel; ++i) {
    auto seq = std::make_unique<Sequence>();
    seq->seq = i;
    sequences_.push_back(std::move(seq));
  }
  thread_ = std::thread([this] { loop(); });
}

Engine::~Engine() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  llama_batch_free(batch_);
  llama_free(ctx_);
}

int32_t Engine::argmax_token(const float* logits) const {
  auto suppressed = [this](int32_t t) {
    return std::find(suppressed_tokens_.begin(), suppressed_tokens_.end(), t) != suppressed_tokens_.end();
  };
  int32_t best = static_cast<int32_t>(std::max_element(logits, logits + n_vocab_) - logits);
  if (!suppressed(best)) return best;
  best = -1;  // rare: the model's own suppressed tokens won; search again without them
  for (int32_t i = 0; i < n_vocab_; ++i)
    if (!suppressed(i) && (best < 0 || logits[i] > logits[best])) best = i;
  return best;
}

std::vector<int32_t> Engine::tokenize(const std::string& text, bool parse_special) const {
  return common_tokenize(model_.vocab(), text, /*add_special=*/true, parse_special);
}

std::vector<int32_t> Engine::tokenize_continuation(const std::string& text) const {
  return common_tokenize(model_.vocab(), text, /*add_special=*/false, /*parse_special=*/true);
}

std::string Engine::detokenize(const std::vector<int32_t>& tokens) const {
  std::string out;
  for (int32_t t : tokens) out += common_token_to_piece(model_.vocab(), t, /*special=*/true);
  return out;
}

std::future<GenerationResult> Engine::submit(GenerationRequest request) {
  auto pending = std::make_unique<Pending>();
  pending->request = std::move(request);
  pending->submitted = Clock::now();
  auto future = pending->promise.get_future();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) throw std::runtime_error("engine is stopping");
    queue_.push_back(std::move(pending));
  }
  wake_.notify_all();
  return future;
}

int Engine::post(std::unique_ptr<Command> command) {
  auto done = command->done.get_future();
  {
    std::lock_guard lock(mutex_);
    commands_.push_back(std::move(command));
  }
  wake_.notify_all();
  return done.get();
}

int Engine::add_prefix(const std::vector<int32_t>& tokens) {
  auto command = std::make_unique<Command>();
  command->kind = Command::add_prefix;
  command->tokens = tokens;
  return post(std::move(command));
}

void Engine::set_adapters(const std::vector<std::pair<const LoraAdapter*, float>>& adapters) {
  auto command = std::make_unique<Command>();
  command->kind = Command::set_adapters;
  command->adapters = adapters;
  post(std::move(command));
}

Engine::Totals Engine::totals() const {
  std::lock_guard lock(mutex_);
  return totals_;
}

void Engine::loop() {
  for (;;) {
    std::unique_ptr<Command> command;
    {
      std::unique_lock lock(mutex_);
      auto busy = [this] {
        return std::any_of(sequences_.begin(), sequences_.end(), [](const auto& s) { return s->pending != nullptr; });
      };
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty() || !commands_.empty() || busy(); });
      if (stopping_) break;
      // Commands wait for in-flight requests to finish; new requests wait for commands.
      if (!commands_.empty() && !busy()) {
        command = std::move(commands_.front());
        commands_.pop_front();
      }
    }
    if (command) {
      run_command(*command);
      continue;
    }
    admit();
    step();
  }
  // Stopping: whatever is left fails with a clear error.
  for (auto& seq : sequences_)
    if (seq->pending) finish(*seq, GenerationStop::error, "engine stopped");
  std::lock_guard lock(mutex_);
  for (auto& p : queue_) {
    GenerationResult r;
    r.stop = GenerationStop::error;
    r.error = "engine stopped";
    p->promise.set_value(std::move(r));
  }
  for (auto& c : commands_) c->done.set_value(0);
}

void Engine::run_command(Command& command) {
  try {
    command.done.set_value(execute(command));
  } catch (...) {
    command.done.set_exception(std::current_exception());
  }
}

int Engine::execute(Command& command) {
  llama_memory_t mem = llama_get_memory(ctx_);
  int evaluated = 0;
  switch (command.kind) {
    case Command::add_prefix: {
      if (options_.max_prefixes == 0 || command.tokens.empty()) break;
      // A request must be longer than the prefix it uses and fit its context.
      if (static_cast<int>(command.tokens.size()) + 1 >= options_.context_per_request)
        throw std::runtime_error("a shared prefix of " + std::to_string(command.tokens.size()) +
                                 " tokens leaves no room for a request in a context of " +
                                 std::to_string(options_.context_per_request));
      if (static_cast<int>(prefixes_.size()) == options_.max_prefixes) {
        llama_memory_seq_rm(mem, prefixes_.front()->seq, -1, -1);
        prefixes_.erase(prefixes_.begin());
      }
      auto prefix = std::make_unique<Prefix>();
      prefix->seq = options_.parallel + (next_prefix_seq_++ % options_.max_prefixes);
      prefix->tokens = command.tokens;
      evaluate_prefix(*prefix);
      evaluated = static_cast<int>(prefix->tokens.size());
      prefixes_.push_back(std::move(prefix));
      break;
    }
    case Command::set_adapters: {
      std::vector<llama_adapter_lora*> handles;
      std::vector<float> scales;
      for (const auto& [adapter, scale] : command.adapters) {
        handles.push_back(adapter->get());
        scales.push_back(scale);
      }
      llama_set_adapters_lora(ctx_, handles.empty() ? nullptr : handles.data(), handles.size(),
                              scales.empty() ? nullptr : scales.data());
      // KV cells computed under the old adapters are stale.
      llama_memory_clear(mem, true);
      for (auto& p : prefixes_) evaluate_prefix(*p);
      break;
    }
  }
  return evaluated;
}

void Engine::evaluate_prefix(Prefix& prefix) {
  llama_memory_seq_rm(llama_get_memory(ctx_), prefix.seq, -1, -1);
  llama_batch& batch = batch_;
  for (size_t start = 0; start < prefix.tokens.size(); start += options_.batch_size) {
    common_batch_clear(batch);
    size_t end = std::min(prefix.tokens.size(), start + options_.batch_size);
    for (size_t i = start; i < end; ++i)
      common_batch_add(batch, prefix.tokens[i], static_cast<llama_pos>(i), {prefix.seq}, false);
    if (llama_decode(ctx_, batch) != 0) {
      llama_memory_seq_rm(llama_get_memory(ctx_), prefix.seq, -1, -1);
      throw std::runtime_error("could not evaluate the shared prefix (context too small?)");
    }
  }
  std::lock_guard lock(mutex_);
  totals_.prompt_tokens_evaluated += prefix.tokens.size();
}

void Engine::admit() {
  for (auto& seq : sequences_) {
    if (seq->pending) continue;
    std::unique_ptr<Pending> pending;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty() || !commands_.empty()) return;  // commands go first
      pending = std::move(queue_.front());
      queue_.pop_front();
    }
    Sequence& s = *seq;
    s = Sequence{s.seq};
    s.pending = std::move(pending);
    s.admitted = Clock::now();
    s.admitted_order = ++admissions_;
    s.result.stats.queued_ms = ms_between(s.pending->submitted, s.admitted);
    const auto& prompt = s.pending->request.prompt_tokens;
    s.result.stats.prompt_tokens = static_cast<int>(prompt.size());
    if (prompt.empty()) {
      finish(s, GenerationStop::error, "empty prompt");
      continue;
    }
    if (static_cast<int>(prompt.size()) >= options_.context_per_request) {
      finish(s, GenerationStop::context_full,
             "prompt of " + std::to_string(prompt.size()) + " tokens does not fit the context of " +
                 std::to_string(options_.context_per_request));
      continue;
    }
    try {
      if (!greedy(s.pending->request.sampling)) s.sampler = make_sampler(model_.get(), s.pending->request.sampling);
    } catch (const std::exception& e) {
      finish(s, GenerationStop::error, std::string("sampler: ") + e.what());
      continue;
    }
    llama_memory_t mem = llama_get_memory(ctx_);
    llama_memory_seq_rm(mem, s.seq, -1, -1);
    const Prefix* best = nullptr;
    for (const auto& p : prefixes_) {
      if (p->tokens.size() < prompt.size() && std::equal(p->tokens.begin(), p->tokens.end(), prompt.begin()) &&
          (best == nullptr || p->tokens.size() > best->tokens.size()))
        best = p.get();
    }
    if (best != nullptr) {
      llama_memory_seq_cp(mem, best->seq, s.seq, -1, -1);
      s.n_past = static_cast<int>(best->tokens.size());
      s.prompt_next = best->tokens.size();
      s.result.stats.prefix_reused_tokens = s.n_past;
    }
  }
}

int Engine::next_position(int seq) const {
  if (seq < options_.parallel) return sequences_[seq]->n_past;
  for (const auto& p : prefixes_)
    if (p->seq == seq) return static_cast<int>(p->tokens.size());
  return 0;
}

// Why a step holds either one prompt's chunk or the decode tokens, never both,
// and why decode tokens come with pads: so that what a sequence computes does
// not depend on what else is running, which in an agent run is a matter of
// timing (others may be waiting for their tools). With per-sequence KV
// streams llama.cpp cuts a batch into ubatches of equally many tokens from
// runs of consecutive sequence ids, and ggml picks its flash-attention kernel
// by the shape of the ubatch: a single sequence's single token over 512 cells
// or more takes a split-cache path (one chunk of the cache per thread), 64 or
// more tokens of a sequence a tiled one, anything else the plain one, and the
// three round differently. So:
//  - a prompt is evaluated alone, in chunks of batch_size from its first
//    token not taken from a shared prefix;
//  - a decode step holds the generating sequences in id order, with a pad
//    token for every id in between (and a neighbour when only one
//    generates), so they form one ubatch of at least two sequences, one
//    token each. The pads go after the sequence's cached tokens and are
//    removed right after the decode; they cost a token of compute each.
// Pads ask for logits too, so the output matrix product never has a single
// row (ggml computes that with another kernel than two or more).
bool Engine::step() {
  std::vector<Sequence*> generating, prompts;
  for (auto& s : sequences_)
    if (s->pending) (s->generating ? generating : prompts).push_back(s.get());
  if (generating.empty() && prompts.empty()) return false;

  // Prompts first: decodes then run with as many sequences as possible (the
  // throughput of a CPU decode grows with its batch). Decodes cannot starve:
  // only admitted requests have prompts, at most one per sequence.
  const bool prompt_step = !prompts.empty();

  common_batch_clear(batch_);
  std::vector<Sequence*> in_batch;
  std::vector<Pad> pads;
  uint64_t prompt_tokens = 0;
  if (prompt_step) {
    Sequence* s = *std::min_element(prompts.begin(), prompts.end(),
                                [](const Sequence* a, const Sequence* b) { return a->admitted_order < b->admitted_order; });
    prompt_tokens = add_prompt_chunk(*s);
    in_batch.push_back(s);
    // The chunk that ends the prompt: its decode computes the hidden states wanted.
    if (capture_ && s->batch_index >= 0 && s->pending->request.capture_hidden) capture_->arm();
  } else {
    in_batch = add_decode_tokens(generating, pads);
  }

  int rc = llama_decode(ctx_, batch_);
  std::vector<float> hidden;
  if (capture_ && capture_->armed()) hidden = capture_->take();
  for (const Pad& pad : pads) llama_memory_seq_rm(llama_get_memory(ctx_), pad.seq, pad.pos, -1);
  if (rc != 0) {
    fail_decode(rc, prompt_step, in_batch);
    return true;
  }
  {
    std::lock_guard lock(mutex_);
    totals_.prompt_tokens_evaluated += prompt_tokens;
    totals_.decode_calls += 1;
  }
  if (!hidden.empty()) in_batch.front()->result.hidden_states = std::move(hidden);
  for (Sequence* s : in_batch) {
    // llama.cpp's grammar code throws when a sampled token leaves the grammar
    // no way on (a grammar no token can continue). That ends this request; on
    // the engine thread it would otherwise end the process.
    try {
      take_output(*s);
    } catch (const std::exception& e) {
      if (s->pending) finish(*s, GenerationStop::error, std::string("sampler: ") + e.what());
    }
  }
  return true;
}

size_t Engine::add_prompt_chunk(Sequence& s) {
  s.batch_index = -1;  // no logits until the prompt's last chunk
  const auto& prompt = s.pending->request.prompt_tokens;
  size_t n = std::min<size_t>(options_.batch_size, prompt.size() - s.prompt_next);
  for (size_t i = 0; i < n; ++i) {
    size_t at = s.prompt_next + i;
    bool last = at + 1 == prompt.size();
    if (last) s.batch_index = batch_.n_tokens;
    common_batch_add(batch_, prompt[at], static_cast<llama_pos>(at), {s.seq}, last);
  }
  s.tokens_in_batch = static_cast<int>(n);
  return n;
}

std::vector<Engine::Sequence*> Engine::add_decode_tokens(const std::vector<Sequence*>& generating, std::vector<Pad>& pads) {
  // sequences_ are in sequence-id order, and so is `generating`. No prompt
  // waits, so every other sequence is idle and its stream empty.
  int lo = generating.front()->seq, hi = generating.back()->seq;
  if (lo == hi) {
    if (hi + 1 < options_.parallel) ++hi;
    else if (lo > 0) --lo;
    else if (hi + 1 < options_.parallel + options_.max_prefixes) ++hi;  // the first prefix's sequence
  }
  std::vector<Sequence*> in_batch;
  auto next = generating.begin();
  for (int seq = lo; seq <= hi; ++seq) {
    if (next != generating.end() && (*next)->seq == seq) {
      Sequence* s = *next++;
      s->batch_index = batch_.n_tokens;
      common_batch_add(batch_, s->last_token, s->n_past, {seq}, true);
      s->tokens_in_batch = 1;
      in_batch.push_back(s);
    } else {
      Pad pad{seq, next_position(seq)};
      common_batch_add(batch_, generating.front()->last_token, pad.pos, {seq}, true);
      pads.push_back(pad);
    }
  }
  return in_batch;
}

void Engine::fail_decode(int rc, bool prompt_step, const std::vector<Sequence*>& in_batch) {
  if (rc == 1) {
    // No KV cell for the batch. Requests are sized to fit their sequence's
    // stream, so this is not expected; end the prompt, or on a decode the
    // longest sequence, rather than retry forever.
    auto longest = [](const Sequence* a, const Sequence* b) { return a->n_past < b->n_past; };
    Sequence* victim = prompt_step ? in_batch.front() : *std::max_element(in_batch.begin(), in_batch.end(), longest);
    finish(*victim, GenerationStop::context_full, "KV cache full");
    return;
  }
  for (Sequence* s : in_batch) finish(*s, GenerationStop::error, "llama_decode failed with code " + std::to_string(rc));
}

void Engine::take_output(Sequence& s) {
  s.n_past += s.tokens_in_batch;
  if (!s.generating) s.prompt_next += s.tokens_in_batch;
  if (s.batch_index < 0) return;  // prompt not finished yet
  const auto& request = s.pending->request;
  const bool first = !s.generating;
  if (first) start_generating(s);
  const llama_token token = sample(s);
  if (first) finish_probe(s);
  if (!request.sampling.ignore_eos && llama_vocab_is_eog(model_.vocab(), token)) {
    finish(s, GenerationStop::end_of_generation);
    return;
  }
  s.result.tokens.push_back(token);
  s.last_token = token;
  if (append_piece(s.result.text, token, request.sampling.stop)) finish(s, GenerationStop::stop_string);
  else if (static_cast<int>(s.result.tokens.size()) >= request.sampling.max_tokens) finish(s, GenerationStop::max_tokens);
  else if (s.n_past + 1 >= options_.context_per_request) finish(s, GenerationStop::context_full);
}

void Engine::start_generating(Sequence& s) {
  const auto& request = s.pending->request;
  s.generating = true;
  s.first_token = Clock::now();
  const float* logits = llama_get_logits_ith(ctx_, s.batch_index);
  if (request.keep_first_logits) s.result.first_logits.assign(logits, logits + n_vocab_);
  auto& probe = s.result.probe_probabilities;
  probe.clear();
  for (const auto& tokens : request.probe_sequences)
    probe.push_back(tokens.empty() ? 0.0 : probability_of(logits, n_vocab_, tokens.front()));
}

// Each sequence of two or more tokens is decoded, but for its last token, in
// the request's own KV stream right after the prompt, and its cells removed
// again: the same cells the reply's first token then takes, as the pads of a
// decode step do (see step()), so what follows is computed exactly as
// without the probe. Sequences share no decode: two openers at the same
// positions of one sequence would attend to each other.
void Engine::finish_probe(Sequence& s) {
  const auto& request = s.pending->request;
  auto& probe = s.result.probe_probabilities;
  if (probe.size() != request.probe_sequences.size()) return;
  llama_memory_t mem = llama_get_memory(ctx_);
  for (size_t k = 0; k < request.probe_sequences.size(); ++k) {
    const auto& tokens = request.probe_sequences[k];
    if (tokens.size() < 2 || probe[k] == 0.0) continue;
    const int n = static_cast<int>(tokens.size()) - 1;  // the tokens decoded
    if (n > options_.batch_size || s.n_past + n >= options_.context_per_request) {
      probe.clear();
      return;
    }
    common_batch_clear(batch_);
    for (int i = 0; i < n; ++i) common_batch_add(batch_, tokens[i], s.n_past + i, {s.seq}, true);
    int rc = llama_decode(ctx_, batch_);
    if (rc == 0) {
      for (int i = 0; i < n && probe[k] > 0; ++i)
        probe[k] *= probability_of(llama_get_logits_ith(ctx_, i), n_vocab_, tokens[i + 1]);
    }
    llama_memory_seq_rm(mem, s.seq, s.n_past, -1);
    {
      std::lock_guard lock(mutex_);
      totals_.decode_calls += 1;
    }
    if (rc != 0) {
      probe.clear();
      return;
    }
  }
}

llama_token Engine::sample(Sequence& s) {
  if (greedy(s.pending->request.sampling)) return argmax_token(llama_get_logits_ith(ctx_, s.batch_index));
  llama_token token = common_sampler_sample(s.sampler, ctx_, s.batch_index);
  common_sampler_accept(s.sampler, token, true);
  return token;
}

bool Engine::append_piece(std::string& text, llama_token token, const std::vector<std::string>& stops) const {
  size_t before = text.size();
  text += common_token_to_piece(model_.vocab(), token, /*special=*/true);
  for (const auto& stop : stops) {
    if (stop.empty()) continue;
    size_t from = before >= stop.size() ? before - stop.size() + 1 : 0;
    size_t at = text.find(stop, from);
    if (at != std::string::npos) {
      text.resize(at);
      return true;
    }
  }
  return false;
}

void Engine::finish(Sequence& seq, GenerationStop reason, const std::string& error) {
  auto now = Clock::now();
  RequestStats& stats = seq.result.stats;
  stats.generated_tokens = static_cast<int>(seq.result.tokens.size());
  if (seq.generating) {
    stats.prompt_eval_ms = ms_between(seq.admitted, seq.first_token);
    stats.decode_ms = ms_between(seq.first_token, now);
  } else {
    stats.prompt_eval_ms = ms_between(seq.admitted, now);
  }
  if (seq.n_past > 0) {
    stats.kv_bytes = llama_state_seq_get_size(ctx_, seq.seq);
    llama_memory_seq_rm(llama_get_memory(ctx_), seq.seq, -1, -1);
  }
  seq.result.stop = reason;
  seq.result.error = error;
  if (seq.sampler != nullptr) common_sampler_free(seq.sampler);
  seq.sampler = nullptr;
  std::unique_ptr<Pending> pending = std::move(seq.pending);
  {
    std::lock_guard lock(mutex_);
    totals_.tokens_generated += stats.generated_tokens;
    totals_.requests_done += 1;
  }
  pending->promise.set_value(std::move(seq.result));
  seq.result = GenerationResult{};
  seq.generating = false;
  seq.n_past = 0;
}

}  // namespace agentcoder::models
