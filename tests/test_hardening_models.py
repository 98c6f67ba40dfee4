"""Hardening: model failures give a clear message, never a crash.

Model-file failures (missing, truncated, wrong checksum) and context overflow
already have tests (counted in docs/RELIABILITY.md); this adds cut-off output
and a model that fails mid-run, with faked generators for speed.
"""

from __future__ import annotations

import jsonschema
import pytest

from assistant.brief.builder import build_brief
from assistant.conversation.chat import ask
from assistant.errors import ModelError, RapportError
from assistant.brief.evaluate import CONTRACT
from assistant.notes.ingest import ingest_text
from assistant.generation.llm import Completion, ScriptedGenerator
from assistant.types import Target


class CutOff(ScriptedGenerator):
    """Every answer stops mid-JSON / mid-sentence with finish_reason "length", as when max_tokens runs out."""

    def complete(self, messages, *, schema=None, max_tokens=256, temperature=0.0, seed=None) -> Completion:
        self.calls.append(list(messages))
        text = '{"facts": [{"text": "Dana leads product at Bright' if schema else "She leads product at Bright"
        return Completion(text, finish_reason="length")

    def stream(self, messages, *, max_tokens=512, temperature=0.0, seed=None):
        yield from ("She ", "leads ", "product ", "at ", "Bright")


class DiesMidRun(ScriptedGenerator):
    """Answers twice, then the model goes away (a server stopped, a GPU out of memory)."""

    def complete(self, messages, *, schema=None, max_tokens=256, temperature=0.0, seed=None) -> Completion:
        self.calls.append(list(messages))
        if len(self.calls) > 2:
            raise ModelError("The model stopped answering.", "Start it again.")
        return Completion("{}")


@pytest.fixture
def dana(kb, settings):
    ingest_text("Dana Whitfield leads product at Brightwater Heat. Installer onboarding is her main problem.",
                Target.contact("Dana Whitfield"), kb, settings, title="Coffee")
    return "Dana Whitfield"


def test_cut_off_output_gives_a_valid_brief_and_a_plain_answer(dana, kb, settings) -> None:
    brief = build_brief(dana, kb, settings, CutOff()).to_dict()
    jsonschema.validate(brief, CONTRACT)
    assert brief["failed"], "sections whose output was cut off must say so"
    answer = ask(dana, "Where does she work?", kb, settings, CutOff(), save=False)
    assert answer.answer.strip()


def test_model_dying_mid_run_is_a_rapport_error(dana, kb, settings) -> None:
    try:
        brief = build_brief(dana, kb, settings, DiesMidRun()).to_dict()
    except RapportError as exc:  # a clear, user-facing error is fine
        assert "model" in str(exc).lower()
    else:
        jsonschema.validate(brief, CONTRACT)
        assert brief["failed"]
