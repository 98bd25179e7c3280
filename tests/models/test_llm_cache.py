"""The constant head of every prompt is evaluated once and stays in llama.cpp's cache between answers."""

import llama_cpp

from app.answer.assistant import prompt


def evaluated(llm, messages) -> int:
    """Prompt tokens llama.cpp actually evaluated to answer (those it could not take from its cache)."""
    ctx = llm._llm.ctx
    llama_cpp.llama_perf_context_reset(ctx)
    assert "".join(llm.stream(messages, 2))
    return llama_cpp.llama_perf_context(ctx).n_p_eval


def test_the_system_prompt_is_primed_and_kept_across_answers(llm):
    system = prompt("system")
    head = llm.count_tokens(system)
    llm.prime(system)
    for question in ("Combien de membres compte le conseil ?", "Quelle entreprise a été retenue ?"):
        messages = [{"role": "system", "content": system}, {"role": "user", "content": question}]
        assert evaluated(llm, messages) < head / 2  # only the question's part
    llm.forget()  # without the cache, the whole prompt is evaluated again
    assert evaluated(llm, messages) > head
