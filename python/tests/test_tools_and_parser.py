import json

import pytest

import agentcoder


def test_python_tool_returns_the_stored_record(sandbox):
    tools = agentcoder.Tools(["python"], sandbox=sandbox)
    assert tools.names == ["python"]
    assert tools.declarations()[0]["function"]["name"] == "python"
    call = tools.call("python", {"code": "print(6*7)"})
    # store/episode_record.h ToolCallRecord's fields (call_id aside).
    assert set(call) == {"tool", "arguments", "executed", "ok", "error_class", "result", "record", "wall_ms"}
    assert call["ok"] and call["executed"] and call["error_class"] == ""
    assert "42" in call["result"]
    assert call["record"]["outcome"] == "ok" and call["record"]["tool"] == "python"
    assert json.loads(call["arguments"]) == {"code": "print(6*7)"}


def test_python_tool_failure_and_bad_calls(sandbox):
    tools = agentcoder.Tools(["python"], sandbox=sandbox)
    failed = tools.call("python", {"code": "1/0"})
    assert failed["executed"] and not failed["ok"] and failed["error_class"] == "runtime_error"
    assert "ZeroDivisionError" in failed["result"]
    unknown = tools.call("web", {"q": "x"})
    assert not unknown["executed"] and unknown["error_class"] == "unknown_tool"
    bad = tools.call("python", '{"code": ')  # the model's broken JSON text
    assert not bad["executed"] and bad["error_class"] == "bad_arguments"


def test_math_tool(sandbox):
    tools = agentcoder.Tools(["math"], options={"math": {"timeout": 30}}, sandbox=sandbox)
    call = tools.call("math", {"operation": "simplify", "expression": "x + x"})
    assert call["ok"], call
    assert "2*x" in call["result"]


def test_docs_tool():
    tools = agentcoder.Tools(["docs"])
    call = tools.call("docs", {"query": "json dumps indent"})
    assert call["ok"], call
    assert call["record"]["details"]["query"] == "json dumps indent"


def test_bad_tool_config_is_a_value_error():
    with pytest.raises(ValueError, match=r"tools_options\.python"):
        agentcoder.Tools(["python"], options={"python": {"timeout": -1}})
    with pytest.raises(ValueError):
        agentcoder.Tools(["shell"])


def test_parse_reply_kinds_and_repairs():
    text = agentcoder.parse_reply("The answer is 4.")
    assert text["kind"] == "text" and text["tool_calls"] == [] and text["content"] == "The answer is 4."
    call = agentcoder.parse_reply('<tool_call>{"name": "python", "arguments": {"code": "print(1)"}}')
    assert call["kind"] == "tool_call" and call["repairs"] == ["missing_close_tag"]
    assert call["tool_calls"][0]["name"] == "python"
    assert json.loads(call["tool_calls"][0]["arguments"]) == {"code": "print(1)"}
    bad = agentcoder.parse_reply("<tool_call>{not json}</tool_call>")
    assert bad["kind"] == "malformed" and len(bad["errors"]) == 1
    fenced = "```python\nprint(2)\n```"
    assert agentcoder.parse_reply(fenced)["kind"] == "text"
    assert agentcoder.parse_reply(fenced, fenced_code_tool="python")["kind"] == "tool_call"
