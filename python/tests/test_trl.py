"""agentcoder.trl: the dataset builder, the reward functions, and TRL's own
GRPO trainer for two steps with our environment.

The GRPO model is made here and scripted, not trained: a one-layer llama
whose attention and MLP write nothing, so each next token depends only on
the current one, with an lm_head that maps the last token of the generation
prompt to a python call (print(6*7)) followed by a final_answer call, then
end of turn. So the trainer's own tool loop (TRL parses the call with its
Qwen2.5 response template and calls the environment's method) runs our
tools deterministically, with no download and in seconds. It proves the
contract, not learning.
"""

import json
import math
import os

import pytest

os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")

from agentcoder.trl import (AgentcoderAnswerEnv, AgentcoderEnv, build_dataset, correctness_reward,  # noqa: E402
                            decision_reward)

TASKS = [
    {"id": "six-sevens", "prompt": "What is 6 times 7?", "category": "execution_required", "difficulty": "easy",
     "optimal_tool": "python", "check": "exact", "ground_truth_output": "42", "source": "test", "split": "train"},
    {"id": "six-sevens-again", "prompt": "Compute 6*7.", "category": "pure_reasoning", "difficulty": "easy",
     "optimal_tool": "none", "check": "exact", "ground_truth_output": "42", "source": "test", "split": "train"},
    {"id": "held-out", "prompt": "What is 2+2?", "category": "pure_reasoning", "difficulty": "easy",
     "optimal_tool": "none", "check": "exact", "ground_truth_output": "4", "source": "test", "split": "test"},
]


@pytest.fixture()
def task_file(tmp_path):
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in TASKS))
    return path


@pytest.fixture()
def rewards_file(tmp_path):
    # Two rows of `agentcoder export rewards`: the necessity label of each task for one model.
    path = tmp_path / "rewards.jsonl"
    rows = [{"task_id": "six-sevens", "variant": "base", "prompt_format": "direct", "tool_necessary": False,
             "best_choice": "text"},
            {"task_id": "six-sevens-again", "variant": "base", "prompt_format": "direct", "tool_necessary": True,
             "best_choice": "tool"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_dataset_has_the_columns_the_environment_and_rewards_read(task_file, rewards_file):
    ds = build_dataset(str(task_file), split="train", system_prompt="Answer.", rewards=str(rewards_file),
                       variant="base")
    assert len(ds) == 2
    assert set(ds.column_names) >= {"prompt", "task", "task_id", "category", "tool_necessary", "best_choice"}
    row = ds[0]
    assert row["prompt"] == [{"role": "system", "content": "Answer."}, {"role": "user", "content": "What is 6 times 7?"}]
    assert json.loads(row["task"])["ground_truth_output"] == "42"
    assert ds["tool_necessary"] == [False, True]
    assert build_dataset(str(task_file))["tool_necessary"] == [None, None, None]


def test_dataset_refuses_a_bad_task_file_with_the_validators_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "prompt": "p"}\n')
    with pytest.raises(ValueError, match="bad.jsonl"):
        build_dataset(str(bad))
    with pytest.raises(FileNotFoundError):
        build_dataset(str(tmp_path / "missing.jsonl"))


def test_tools_run_in_the_sandbox_and_are_recorded_as_in_an_episode():
    env = AgentcoderEnv()
    env.reset(task=json.dumps(TASKS[0]))
    assert "42" in env.python(code="print(6*7)")
    assert "4" in env.math(operation="evaluate", expression="2+2")
    failed = env.python(code="1/0")
    assert "ZeroDivisionError" in failed
    assert [c["tool"] for c in env.calls] == ["python", "math", "python"]
    first = env.calls[0]
    assert first["executed"] and first["ok"]
    sandbox_run = first["record"]["details"]["exec"]  # what the native sandbox reported
    assert sandbox_run["stdout"] == "42\n" and sandbox_run["exit_code"] == 0
    assert env.calls[2]["error_class"] == "runtime_error"
    env.reset(task=json.dumps(TASKS[1]))
    assert env.calls == []


def test_reward_functions_score_with_our_scorer_and_use_the_necessity_label():
    call = {"role": "assistant", "content": "", "tool_calls": [
        {"type": "function", "function": {"name": "python", "arguments": {"code": "print(6*7)"}}}]}
    right = [call, {"role": "tool", "name": "python", "content": "42\n"}, {"role": "assistant", "content": "42"}]
    wrong = [{"role": "assistant", "content": "41"}]
    envs = []
    for completion in (right, right, wrong):
        env = AgentcoderEnv()
        env.reset(task=json.dumps(TASKS[0]))
        if completion is right:
            env.python(code="print(6*7)")
        envs.append(env)
    completions = [right, right, wrong]
    assert correctness_reward(completions, environments=envs) == [1.0, 1.0, 0.0]
    # Right with a call where the label says text sufficed: -0.1; where it was necessary, or unlabelled: none.
    assert decision_reward(completions, environments=envs, tool_necessary=[False, True, False]) == [0.9, 1.0, 0.0]
    hallucinated = [{"role": "assistant", "content": "", "tool_calls": [
        {"type": "function", "function": {"name": "browser", "arguments": {}}}]}, {"role": "assistant", "content": "42"}]
    env = AgentcoderEnv()
    env.reset(task=json.dumps(TASKS[0]))
    assert decision_reward([hallucinated], environments=[env], tool_necessary=[None]) == [0.75]
    # Without environments (reward_funcs used with plain tools), the task column is enough.
    assert correctness_reward(["42", "7"], task=[json.dumps(TASKS[0])] * 2) == [1.0, 0.0]


# A one-token-per-character tokenizer with Qwen2.5's chat template (TRL
# knows its response format) and each scripted call as one added token.
PYTHON_CALL = '<tool_call>\n{"name": "python", "arguments": {"code": "print(6*7)"}}\n</tool_call>'
ANSWER_CALL = '\n<tool_call>\n{"name": "final_answer", "arguments": {"answer": "42"}}\n</tool_call>'


def scripted_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast
    from trl.chat_template_utils import qwen2_5_chat_template

    vocab = {t: i for i, t in enumerate(["<|endoftext|>", "<|im_start|>", "<|im_end|>"])}
    for c in sorted({chr(c) for c in range(32, 127)} | {"\n"}):
        vocab.setdefault(c, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<|endoftext|>"))
    tok.pre_tokenizer = pre_tokenizers.Split("", behavior="isolated")
    tok.decoder = decoders.Fuse()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<|endoftext|>", pad_token="<|endoftext|>",
                                   eos_token="<|im_end|>")
    fast.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    fast.add_tokens(["<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", PYTHON_CALL, ANSWER_CALL])
    fast.chat_template = qwen2_5_chat_template
    return fast


def scripted_model(tok):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    vocab = len(tok)
    hidden = (vocab + 7) // 8 * 8
    config = LlamaConfig(vocab_size=vocab, hidden_size=hidden, intermediate_size=16, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=8192,
                         tie_word_embeddings=False, pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
    model = LlamaForCausalLM(config)
    ids = tok.convert_tokens_to_ids
    # The generation prompt ends in "\n": then the python call, the answer call, end of turn.
    successor = {"\n": PYTHON_CALL, PYTHON_CALL: ANSWER_CALL}
    with torch.no_grad():
        model.model.embed_tokens.weight.copy_(torch.eye(vocab, hidden))
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        head = torch.zeros(vocab, hidden)
        head[ids("<|im_end|>"), :vocab] = 10.0  # a logit of 10 * sqrt(hidden) after the final norm
        for current, following in successor.items():
            head[:, ids(current)] = 0.0
            head[ids(following), ids(current)] = 10.0
        model.lm_head.weight.copy_(head)
    return model


def test_grpo_trainer_runs_our_tools_and_gets_our_rewards(task_file, rewards_file, tmp_path):
    from trl import GRPOConfig, GRPOTrainer

    dataset = build_dataset(str(task_file), split="train", rewards=str(rewards_file), variant="base")
    tok = scripted_tokenizer()
    args = GRPOConfig(output_dir=str(tmp_path / "grpo"), per_device_train_batch_size=2, num_generations=2, max_steps=2,
                      max_completion_length=64, max_tool_calling_iterations=1, learning_rate=1e-6, report_to=[],
                      use_cpu=True, logging_steps=1, save_strategy="no", seed=1)
    trainer = GRPOTrainer(model=scripted_model(tok), args=args, train_dataset=dataset, processing_class=tok,
                          environment_factory=AgentcoderAnswerEnv, reward_funcs=[correctness_reward, decision_reward])
    trainer.train()

    envs = trainer._environment_pool[None]
    assert envs, "the trainer made no environment"
    for env in envs:
        assert [c["tool"] for c in env.calls] == ["python"], env.calls
        run = env.calls[0]
        assert run["executed"] and run["ok"] and run["record"]["details"]["exec"]["stdout"] == "42\n", run
        assert env.answer == "42"
    logged = [h for h in trainer.state.log_history if "rewards/correctness_reward/mean" in h]
    assert len(logged) == 2, trainer.state.log_history
    for h in logged:
        assert h["rewards/correctness_reward/mean"] == 1.0
        assert h["rewards/AgentcoderAnswerEnv/mean"] == 1.0  # get_reward(), our scorer
        assert h["tools/call_frequency"] > 0
        # six-sevens: right with a call where text sufficed (0.9); six-sevens-again: necessary (1.0).
        assert any(math.isclose(h["rewards/decision_reward/mean"], r, abs_tol=1e-6) for r in (0.9, 1.0)), h
