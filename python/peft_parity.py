"""The PyTorch + PEFT side of the adapter parity test (tests/adapters).

    peft_parity.py BASE.gguf PEFT_DIR PROMPTS.json LOGITS.f32 [--rank R] [--alpha A] [--seed S]

Loads BASE.gguf as a PyTorch model with transformers' own GGUF reader (not
the harness's config derivation), wraps it in a PEFT LoRA on every
attention and MLP projection with random non-zero weights (no training),
saves the adapter to PEFT_DIR with save_pretrained, and writes the
next-token logits after each prompt of PROMPTS.json ({"prompts": [[token
ids], ...], "scales": [1.0, 0.5, 0.0]}) for each scale, then for the base
model with the adapter disabled: float32 little-endian, in the order
scale-major, prompt, vocabulary. Prints one JSON line: vocabulary size and
the PEFT config written.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
from peft import LoraConfig, get_peft_model
from peft.tuners.lora import LoraLayer
from transformers import AutoModelForCausalLM

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("peft_dir")
    parser.add_argument("prompts")
    parser.add_argument("logits")
    parser.add_argument("--rank", type=int, default=4)
    parser.add_argument("--alpha", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    base_dir, base_file = os.path.split(os.path.abspath(args.base))
    model = AutoModelForCausalLM.from_pretrained(base_dir, gguf_file=base_file, dtype=torch.float32)
    model.eval()
    config = LoraConfig(r=args.rank, lora_alpha=args.alpha, target_modules=TARGETS, lora_dropout=0.0,
                        init_lora_weights=False)
    model = get_peft_model(model, config)
    # Random A and B: PEFT's default leaves B zero (no change at all). The
    # size makes the adapter move the logits well beyond float error.
    generator = torch.Generator().manual_seed(args.seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_A" in name or "lora_B" in name:
                param.copy_(torch.randn(param.shape, generator=generator) * 0.1)
    model.save_pretrained(args.peft_dir, safe_serialization=True)

    with open(args.prompts, encoding="utf-8") as f:
        spec = json.load(f)
    rows = []

    def next_token_logits() -> None:
        for tokens in spec["prompts"]:
            ids = torch.tensor([tokens], dtype=torch.long)
            with torch.no_grad():
                out = model(input_ids=ids).logits[0, -1]
            rows.append(out.to(torch.float32).numpy())

    for scale in spec["scales"]:
        for module in model.modules():
            if isinstance(module, LoraLayer):
                module.set_scale("default", scale)
        next_token_logits()
    with model.disable_adapter():
        next_token_logits()
    np.stack(rows).astype("<f4").tofile(args.logits)
    print(json.dumps({"vocab": int(rows[0].shape[0]), "rank": args.rank, "alpha": args.alpha, "targets": TARGETS}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
