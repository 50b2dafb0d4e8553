"""Tool-use reinforcement learning with TRL's GRPO trainer against the harness.

TRL's GRPOTrainer runs tools through ``environment_factory``: one instance
per rollout, ``reset(**row)`` with the dataset row, every other public
method offered to the model as a tool, and an optional ``get_reward()``.
This module gives that contract our tools and our scorer (the same C++ as
``agentcoder run`` and ``agentcoder score``, through the bindings):

- :class:`AgentcoderEnv`: the tools ``python``, ``math`` and ``docs``, each
  running as in an episode (the native sandbox, the experiment's limits,
  the record an episode stores for the call). Rewards come from the reward
  functions below, which see the completion.
- :class:`AgentcoderAnswerEnv`: the same plus a ``final_answer`` tool, so
  the environment holds the answer and ``get_reward()`` scores it itself.
- reward functions for ``reward_funcs``: :func:`correctness_reward` and
  :func:`decision_reward`.
- :func:`build_dataset`: a task file as a ``datasets.Dataset`` with the
  columns the environment and the reward functions read.

A run on your own model::

    from trl import GRPOConfig, GRPOTrainer
    from agentcoder.trl import AgentcoderEnv, build_dataset, correctness_reward, decision_reward

    dataset = build_dataset("data/synthetic/tasks.jsonl", split="train",
                            rewards="rewards.jsonl", variant="base")  # necessity labels, optional
    trainer = GRPOTrainer(
        model="Qwen/Qwen2.5-Coder-1.5B-Instruct",     # any tool-calling chat model TRL knows
        args=GRPOConfig(output_dir="grpo", max_tool_calling_iterations=4,
                        max_completion_length=512, num_generations=8),
        train_dataset=dataset,
        environment_factory=AgentcoderEnv,
        reward_funcs=[correctness_reward, decision_reward],
    )
    trainer.train()

The model's chat template must render tools and TRL must be able to parse
its tool calls (Qwen2.5/3, Llama 3.1/3.2 and the other families TRL's
``add_response_schema`` knows, or a tokenizer with its own
``response_template``). Sandbox limits and tool options are those of an
experiment's ``[tools_options]``: subclass and set ``tools_options``.
"""

from __future__ import annotations

import json
from typing import Any

from ._agentcoder import Tools, score

__all__ = [
    "AgentcoderEnv",
    "AgentcoderAnswerEnv",
    "build_dataset",
    "correctness_reward",
    "decision_reward",
    "final_answer_of",
]

# The environment's tools and their order, as an experiment's `tools` list.
TOOLS = ["python", "math", "docs"]


class AgentcoderEnv:
    """One rollout of one task, for ``GRPOTrainer(environment_factory=AgentcoderEnv)``.

    ``reset(**row)`` takes a row of :func:`build_dataset` (its ``task``
    column is the task as JSON). The public methods ``python``, ``math`` and
    ``docs`` are the tools; each call runs through the harness's toolbox and
    is kept in ``calls`` as the record an episode stores (tool, arguments,
    executed, ok, error_class, result, record, wall_ms), so the scorer and
    the reward functions see what an episode would. Subclasses may set
    ``tools_options`` (tool name -> options, as in an experiment's
    ``[tools_options]``: timeout, memory_mb, cpus, ...).
    """

    tools_options: dict[str, dict[str, Any]] | None = None
    # One toolbox per class and process: its warm sandbox is started once and
    # shared by every rollout (runs are independent: each gets a fresh
    # namespace, /tmp and limits).
    _shared_tools: Tools | None = None

    def __init__(self) -> None:
        self.task: dict[str, Any] = {}
        self.calls: list[dict[str, Any]] = []
        self.answer: str | None = None  # set only by AgentcoderAnswerEnv's final_answer

    @classmethod
    def _tools(cls) -> Tools:
        if cls.__dict__.get("_shared_tools") is None:
            cls._shared_tools = Tools(TOOLS, cls.tools_options)
        return cls._shared_tools

    def reset(self, **row: Any) -> None:
        """Starts a rollout of the row's task (``task``: its JSON text or dict)."""
        task = row.get("task")
        if task is None:
            raise ValueError("row: field 'task' is missing (build the dataset with agentcoder.trl.build_dataset)")
        self.task = json.loads(task) if isinstance(task, str) else dict(task)
        self.calls = []
        return None

    def _call(self, name: str, arguments: dict[str, Any]) -> str:
        record = self._tools().call(name, {k: v for k, v in arguments.items() if v is not None})
        self.calls.append(record)
        return record["result"]

    def python(self, code: str) -> str:
        """Run Python 3 code in a sandbox and return what it prints (stdout, stderr, exit status). Print the values you need; there is no network and files do not persist.

        Args:
            code: The Python source to run.
        """
        return self._call("python", {"code": code})

    def math(self, operation: str, expression: str, variable: str | None = None, order: int | None = None,
             lower: str | None = None, upper: str | None = None) -> str:
        """Symbolic math with SymPy: evaluate, simplify, solve, differentiate or integrate an expression in Python syntax.

        Args:
            operation: One of evaluate, simplify, solve, differentiate, integrate.
            expression: In Python syntax, e.g. sin(x)**2 + 3*x (an equation may use '=').
            variable: The variable to solve for, differentiate or integrate by.
            order: Derivative order.
            lower: Lower bound of a definite integral.
            upper: Upper bound of a definite integral.
        """
        return self._call("math", {"operation": operation, "expression": expression, "variable": variable,
                                   "order": order, "lower": lower, "upper": upper})

    def docs(self, query: str, k: int | None = None) -> str:
        """Search the Python 3.11 standard-library documentation and return the best matching passages.

        Args:
            query: Words to search for, e.g. "itertools permutations".
            k: How many passages.
        """
        return self._call("docs", {"query": query, "k": k})

    def _score(self, answer: str) -> dict[str, Any]:
        """Our scorer's record for ``answer`` after this rollout's calls (agentcoder.score)."""
        return score(self.task, answer, self.calls)


class AgentcoderAnswerEnv(AgentcoderEnv):
    """:class:`AgentcoderEnv` whose model gives its answer through a ``final_answer`` tool.

    TRL calls ``get_reward()`` without the completion, so an environment can
    only score what it saw: here the answer comes as a call, and
    ``get_reward()`` is our scorer's score for it (0 when the model never
    answered). Use it alone (``reward_funcs`` may be left out) or beside
    :func:`decision_reward`.
    """

    def reset(self, **row: Any) -> None:
        super().reset(**row)
        self.answer = None
        return None

    def final_answer(self, answer: str) -> str:
        """Give your final answer to the question. Call this once, last.

        Args:
            answer: The answer, as short as the question allows.
        """
        self.answer = answer
        return "Answer recorded."

    def get_reward(self) -> float:
        """The partial score in [0, 1] of the answer given with final_answer; 0 without one."""
        if self.answer is None:
            return 0.0
        return float(self._score(self.answer)["score"])


def final_answer_of(completion: Any) -> str:
    """The model's final answer in a completion as TRL passes it: the text of
    its last assistant message (conversational), or the text itself."""
    if isinstance(completion, str):
        return completion
    for message in reversed(completion):
        if message.get("role") == "assistant":
            content = message.get("content") or ""
            if isinstance(content, list):
                content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
            return content
    return ""


def _answer(env: AgentcoderEnv, completion: Any) -> str:
    # An AgentcoderAnswerEnv's model answered through final_answer.
    answer = getattr(env, "answer", None)
    return answer if answer is not None else final_answer_of(completion)


def _calls_in(completion: Any) -> list[str]:
    if isinstance(completion, str):
        return []
    return [c["function"]["name"] for m in completion if m.get("role") == "assistant"
            for c in (m.get("tool_calls") or [])]


def _per_rollout(completions: list[Any], environments: list[AgentcoderEnv] | None, task: list[str] | None,
                 reward: Any) -> list[float | None]:
    """reward(i, env, completion) for each rollout, its env the rollout's
    environment or a fresh one reset to its task row (reward functions called
    without environments); None (TRL: abstain) for a row without a task."""
    rewards: list[float | None] = []
    for i, completion in enumerate(completions):
        env = environments[i] if environments else None
        if env is None and task and task[i] is not None:
            env = AgentcoderEnv()
            env.reset(task=task[i])
        rewards.append(None if env is None else reward(i, env, completion))
    return rewards


def correctness_reward(completions: list[Any], environments: list[AgentcoderEnv] | None = None,
                       task: list[str] | None = None, **kwargs: Any) -> list[float | None]:
    """Our scorer's partial score in [0, 1] of each completion's final answer
    (its last assistant text, or what an AgentcoderAnswerEnv received).

    What it rewards: the outcome only, as ``agentcoder score`` judges an
    episode (exact, numeric within tolerance, unit tests run in the sandbox
    after the model's last executed code, rubric points, ...), given the
    calls the rollout made in its environment. Why: this is the study's
    accuracy; tool use is neither rewarded nor punished here, so a model
    learns whatever tool use pays off in answers. Returns None (TRL:
    abstain) for a row without a task.
    """
    return _per_rollout(completions, environments, task,
                        lambda i, env, completion: float(env._score(_answer(env, completion))["score"]))


def decision_reward(completions: list[Any], environments: list[AgentcoderEnv] | None = None,
                    task: list[str] | None = None, tool_necessary: list[bool | None] | None = None,
                    **kwargs: Any) -> list[float | None]:
    """``default_reward`` of ``agentcoder export rewards``, computed on the rollout.

    score - 0.25 [a call to a tool that is not offered]
          - 0.1  [the answer is correct, the tool was not necessary for this
                  model (``tool_necessary`` False) and the rollout called one]

    What it rewards: being right, without hallucinated tools, and not
    calling a tool where this model answers right without one. Why: a flat
    per-call cost is reported to suppress needed calls or to wash out in
    GRPO's advantage normalisation (AdaTIR, EAPO, HDPO), so the efficiency
    term applies only where the necessity label (from the forced modes of a
    run of this model: the ``tool_necessary`` column that
    :func:`build_dataset` joins from a rewards export) says text sufficed
    and the answer was right. Without a label (None) that term is 0. The
    malformed-call term of ``default_reward`` is not here: TRL does not
    pass a call that failed to parse to the environment.
    """
    def reward(i: int, env: AgentcoderEnv, completion: Any) -> float:
        s = env._score(_answer(env, completion))
        offered = set(TOOLS) | ({"final_answer"} if isinstance(env, AgentcoderAnswerEnv) else set())
        called = _calls_in(completion)
        r = float(s["score"])
        if any(name not in offered for name in called):
            r -= 0.25
        necessary = tool_necessary[i] if tool_necessary else None
        if s["correct"] is True and necessary is False and (env.calls or any(n in TOOLS for n in called)):
            r -= 0.1
        return r

    return _per_rollout(completions, environments, task, reward)


def build_dataset(tasks: str, split: str | None = None, system_prompt: str | None = None,
                  rewards: str | None = None, variant: str | None = None, prompt_format: str | None = None):
    """A task file (JSONL, ``agentcoder data`` schema) as a ``datasets.Dataset`` for GRPO.

    Columns: ``prompt`` (conversational: an optional system message and the
    task's prompt as the user turn), ``task`` (the task as JSON text, read by
    :meth:`AgentcoderEnv.reset` and the reward functions), ``task_id``,
    ``category``, ``difficulty``, ``optimal_tool``, and ``tool_necessary``
    (True, False or None) and ``best_choice``: from a rewards export
    (``agentcoder export rewards RUN -o rewards.jsonl``) of a run of this
    model when ``rewards`` is given, else None. Pick the export's rows with
    ``variant`` and ``prompt_format`` when it holds several. The tasks are
    read by the harness's own loader (a bad line raises ValueError with
    ``agentcoder data validate``'s message); ``split`` keeps one split.
    """
    from datasets import Dataset

    from ._agentcoder import load_tasks

    labels: dict[str, tuple[Any, Any]] = {}
    if rewards is not None:
        with open(rewards, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                row = json.loads(line)
                if variant is not None and row.get("variant") != variant:
                    continue
                if prompt_format is not None and row.get("prompt_format") != prompt_format:
                    continue
                label = (row.get("tool_necessary"), row.get("best_choice"))
                seen = labels.setdefault(row["task_id"], label)
                if seen != label:
                    raise ValueError(f"{rewards}:{n}: task '{row['task_id']}' has two necessity labels "
                                     f"({seen[0]} and {label[0]}): pass variant and prompt_format")
    rows = []
    for t in load_tasks(tasks):
        if split is not None and t.get("split") != split:
            continue
        prompt = ([{"role": "system", "content": system_prompt}] if system_prompt else []) + [
            {"role": "user", "content": t["prompt"]}]
        necessary, best = labels.get(t["id"], (None, None))
        rows.append({"prompt": prompt, "task": json.dumps(t), "task_id": t["id"], "category": t["category"],
                     "difficulty": t["difficulty"], "optimal_tool": t["optimal_tool"],
                     "tool_necessary": necessary, "best_choice": best})
    if not rows:
        raise ValueError(f"{tasks}: no tasks" + (f" in split '{split}'" if split else ""))
    return Dataset.from_list(rows)
