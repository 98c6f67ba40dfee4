"""Fitting notes into a prompt's token budget: the one loop every prompt builder uses.

Why one home: six copies of "add chunks while they fit" differed in whether
the first chunk always goes in, whether a chunk that does not fit ends the
list or is skipped for a smaller one, and how much each chunk's label costs.
Those choices are now named arguments.
"""

from __future__ import annotations

from typing import Callable, Sequence, TypeVar

from assistant.generation.llm import Generator

T = TypeVar("T")


def fit_to_budget(generator: Generator, items: Sequence[T], budget: int, *, overhead: int = 16,
                  text: Callable[[T], str] = lambda item: getattr(item, "text"),
                  stop_at_overflow: bool = False, always_first: bool = True) -> list[T]:
    """The items, in order, whose tokens (plus ``overhead`` each for labels) fit in ``budget``.

    ``stop_at_overflow`` ends the list at the first item that does not fit
    (for text that must stay contiguous, like a profile); otherwise such an
    item is skipped and smaller later ones may still fit. ``always_first``
    keeps the first item even when it alone is over budget (a prompt with some
    notes beats one with none); without it an item over the whole budget is
    never taken.
    """
    picked: list[T] = []
    used = 0
    for item in items:
        cost = generator.count_tokens(text(item)) + overhead
        if used + cost > budget and (picked or not always_first):
            if stop_at_overflow:
                break
            continue
        picked.append(item)
        used += cost
    return picked


__all__ = ["fit_to_budget"]
