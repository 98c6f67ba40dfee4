"""Hardening: four threads asking for briefs and chat answers at once, on one shared model and store.

Two parts, so the suite stays fast on 2 cores: the real ``tiny`` llama.cpp
model shared by 4 threads for chat answers (its lock must serialise them
without a crash or a mixed-up answer), and 4 threads building full briefs and
answers through one ScriptedGenerator (faked for speed: the model is not the
point there, the store, retrieval, checks and file writes around it are), over
one KnowledgeBase; each fake call takes 20 ms so the threads' calls really overlap.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import jsonschema

from assistant.brief.builder import build_brief
from assistant.conversation.chat import ask
from assistant.brief.evaluate import CONTRACT
from assistant.notes.ingest import ingest_text
from assistant.generation.llm import ScriptedGenerator
from assistant.types import Target

PEOPLE = ["Dana Whitfield", "Amara Obi", "Li Wei", "Noor Haddad"]


def _plant(kb, settings) -> None:
    for i, name in enumerate(PEOPLE):
        ingest_text(f"{name} leads product at Company{i} and works on installer onboarding. "
                    f"{name} sails on weekends.", Target.contact(name), kb, settings, title="Coffee")


class CountingGenerator(ScriptedGenerator):
    """Scripted answers that also record how many calls ran at the same moment."""

    def __init__(self) -> None:
        super().__init__(default="They lead product and work on installer onboarding [N1].")
        self._guard = threading.Lock()
        self.active = 0
        self.peak = 0

    def _reply(self, messages):  # type: ignore[no-untyped-def]
        with self._guard:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            time.sleep(0.02)  # long enough for the other threads' calls to land inside this one
            return super()._reply(messages)
        finally:
            with self._guard:
                self.active -= 1


def test_four_threads_briefs_and_answers_on_one_store(kb, settings) -> None:
    _plant(kb, settings)
    gen = CountingGenerator()

    def work(name: str) -> tuple[dict, str]:
        brief = build_brief(name, kb, settings, gen, goal="learn how they onboard installers").to_dict()
        answer = ask(name, "What does she work on?", kb, settings, gen, save=False).answer
        return brief, answer

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(work, PEOPLE))
    print(f"\n[concurrency] peak overlapping model calls: {gen.peak}")
    assert gen.peak >= 2, "the threads never overlapped: the test proved nothing"
    for name, (brief, answer) in zip(PEOPLE, results):
        jsonschema.validate(brief, CONTRACT)
        assert brief["contact"] == name and answer.strip()


def test_four_threads_share_the_real_tiny_model(kb, settings, tiny_llm) -> None:
    _plant(kb, settings)
    barrier = threading.Barrier(4)

    def work(name: str) -> str:
        barrier.wait(timeout=60)  # all four ask at the same moment
        return ask(name, "Where does she work?", kb, settings, tiny_llm, save=False, max_tokens=16).answer

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(work, PEOPLE))
    assert len(answers) == 4 and all(isinstance(a, str) and a.strip() for a in answers)
