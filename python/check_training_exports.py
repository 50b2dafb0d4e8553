"""Loads the training exports the way a researcher would and passes them
through TRL's own data preparation (tests/training runs this).

    python check_training_exports.py --sft sft.jsonl --dpo dpo.jsonl --kto kto.jsonl --rewards rewards.jsonl

Each file is read with `datasets`; the SFT rows go through SFTTrainer's
dataset preparation and the DPO rows through DPOTrainer's, both with a tiny
word-level tokenizer whose chat template renders tools, tool calls and tool
results, built here (nothing is downloaded), and a tiny random llama model.
Prints one line per file and exits 1 on the first failure.
"""
import argparse
import json
import sys
import tempfile

# A template in the style of tool-aware chat templates (Qwen2.5, Llama 3.1):
# the tools as JSON in the system turn, calls as JSON in the assistant turn,
# results in tool turns; {% generation %} marks what the assistant wrote.
CHAT_TEMPLATE = (
    "{% if tools %}<tools> {% for t in tools %}{{ t | tojson }} {% endfor %}</tools> {% endif %}"
    "{% for m in messages %}"
    "<{{ m['role'] }}> "
    "{% if m['role'] == 'assistant' %}{% generation %}"
    "{% if m['content'] %}{{ m['content'] }} {% endif %}"
    "{% if m['tool_calls'] %}{% for c in m['tool_calls'] %}<call> {{ c['function']['name'] }} "
    "{{ c['function']['arguments'] | tojson }} </call> {% endfor %}{% endif %}"
    "</s>{% endgeneration %} "
    "{% else %}{{ m['content'] }} </s> {% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<assistant> {% endif %}"
)


def tiny_tokenizer(paths):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    specials = ["<unk>", "<pad>", "</s>", "<s>"]
    vocab = {t: i for i, t in enumerate(specials)}
    # One token a character: printable ASCII and every character of the files,
    # so that the decoded text can be compared with the rows.
    chars = {chr(c) for c in range(32, 127)}
    for path in paths:
        chars.update(open(path, encoding="utf-8").read())
    for c in sorted(chars):
        vocab.setdefault(c, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split("", behavior="isolated")
    tok.decoder = decoders.Fuse()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", pad_token="<pad>",
                                   eos_token="</s>", bos_token="<s>")
    fast.chat_template = CHAT_TEMPLATE
    return fast


def tiny_model(tokenizer):
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=65536,
                         pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                         bos_token_id=tokenizer.bos_token_id)
    return LlamaForCausalLM(config)


def load(path):
    from datasets import load_dataset

    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    ds = load_dataset("json", data_files=path, split="train")
    if len(ds) != len(rows):
        raise AssertionError(f"{path}: datasets read {len(ds)} rows, the file has {len(rows)}")
    return ds, rows


def check_sft(path, tokenizer, out_dir):
    from trl import SFTConfig, SFTTrainer

    ds, rows = load(path)
    if not rows:
        raise AssertionError(f"{path}: no rows to check")
    first = ds[0]
    # arguments stay JSON objects after the round trip through datasets
    for m in rows[0]["messages"]:
        for c in m.get("tool_calls") or []:
            assert isinstance(c["function"]["arguments"], dict), c
    args = SFTConfig(output_dir=out_dir, report_to=[], max_length=None, assistant_only_loss=True,
                     dataset_num_proc=None, use_cpu=True)
    trainer = SFTTrainer(model=tiny_model(tokenizer), args=args, train_dataset=ds, processing_class=tokenizer)
    prepared = trainer.train_dataset
    assert len(prepared) == len(rows), (len(prepared), len(rows))
    ids = prepared[0]["input_ids"]
    text = tokenizer.decode(ids)
    assert first["messages"][1]["content"] in text, "the user turn is not in the tokenized text"
    # assistant_only_loss: only what the assistant wrote is trained on (TRL
    # marks the rest -100 in labels, or in older versions an assistant_masks column).
    if "labels" in prepared.column_names:
        trained = sum(1 for label in prepared[0]["labels"] if label != -100)
    else:
        trained = sum(prepared[0]["assistant_masks"])
    assert 0 < trained < len(ids), f"assistant-only loss covers {trained} of {len(ids)} tokens"
    return (f"{path}: {len(rows)} rows, SFTTrainer prepared {len(prepared)} "
            f"({len(ids)} tokens in the first, {trained} of them the assistant's)")


def check_dpo(path, tokenizer, out_dir):
    from trl import DPOConfig, DPOTrainer

    ds, rows = load(path)
    if not rows:
        raise AssertionError(f"{path}: no rows to check")
    args = DPOConfig(output_dir=out_dir, report_to=[], max_length=None, dataset_num_proc=None, use_cpu=True)
    trainer = DPOTrainer(model=tiny_model(tokenizer), ref_model=tiny_model(tokenizer), args=args, train_dataset=ds,
                         processing_class=tokenizer)
    prepared = trainer.train_dataset
    assert len(prepared) == len(rows), (len(prepared), len(rows))
    # Token columns: prompt_ids/chosen_ids/rejected_ids (TRL 1.x) or *_input_ids (older).
    cols = prepared.column_names
    chosen = next(c for c in cols if c.startswith("chosen") and c.endswith("ids"))
    rejected = next(c for c in cols if c.startswith("rejected") and c.endswith("ids"))
    prompt = next(c for c in cols if c.startswith("prompt") and c.endswith("ids"))
    first = prepared[0]
    assert first[chosen] != first[rejected], "chosen and rejected tokenize alike"
    if rows[0]["tools"]:  # the tool schemas went into the prompt through the chat template
        assert rows[0]["tools"][0]["function"]["name"] in tokenizer.decode(first[prompt]), "tools not in the prompt"
    return f"{path}: {len(rows)} pairs, DPOTrainer prepared {len(prepared)} ({prompt}, {chosen}, {rejected})"


def check_plain(path, required):
    ds, rows = load(path)
    missing = [c for c in required if c not in ds.column_names]
    if missing:
        raise AssertionError(f"{path}: columns missing: {missing}")
    return f"{path}: {len(rows)} rows"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sft")
    p.add_argument("--dpo")
    p.add_argument("--kto")
    p.add_argument("--rewards")
    a = p.parse_args()
    tokenizer = tiny_tokenizer([f for f in (a.sft, a.dpo, a.kto, a.rewards) if f])
    with tempfile.TemporaryDirectory() as out:
        checks = []
        if a.sft:
            checks.append(lambda: check_sft(a.sft, tokenizer, out))
        if a.dpo:
            checks.append(lambda: check_dpo(a.dpo, tokenizer, out))
        if a.kto:
            checks.append(lambda: check_plain(a.kto, ["prompt", "completion", "label", "tools"]))
        if a.rewards:
            checks.append(lambda: check_plain(a.rewards, ["group_id", "correct", "score", "calls", "tool_necessary"]))
        for check in checks:
            try:
                print(check(), flush=True)
            except Exception as e:  # one line naming the file and what failed
                print(f"FAILED: {type(e).__name__}: {e}", flush=True)
                return 1
    print("all exports load and prepare")
    return 0


if __name__ == "__main__":
    sys.exit(main())
