"""Chat and rehearsal commands: ask, chat, forget-chat, rehearse.

Also registers the relationship-log and draft commands (``log``, ``cadence``,
``due``, ``loop``, ``draft``): ``assistant/cli/__init__.py`` imports this
module by name, and it imports its siblings.
"""

from __future__ import annotations

import json
import sys
from typing import Iterable, Optional

import typer

from assistant.errors import RapportError
from assistant.cli.common import app
from assistant.cli.common import console
from assistant.cli.common import knowledge_base
from assistant.cli.common import load_model
from assistant.cli.common import out
from assistant.cli.common import print_error
from assistant.cli.common import settings
from assistant.cli.common import terminal_text


def read_line(prompt: str) -> str | None:
    """One line from the user (prompt on stderr so stdout holds only the conversation); None at EOF."""
    sys.stderr.write(prompt)
    sys.stderr.flush()
    try:
        return input()
    except EOFError:
        return None


def write_stream(tokens: Iterable[str]) -> None:
    from assistant.conversation.history import Reset

    for token in tokens:
        if isinstance(token, Reset):
            console.print(str(token).strip(), style="yellow", highlight=False, markup=False)
            continue
        sys.stdout.write(terminal_text(token))  # the answer can quote notes: no escape codes reach the terminal
        sys.stdout.flush()
    sys.stdout.write("\n")
    sys.stdout.flush()


def print_sources(sources: list[dict]) -> None:
    if not sources:
        return
    out.print("Sources:", style="dim")
    for src in sources:
        when = f" ({src['date']})" if src.get("date") else ""
        out.print(terminal_text(f"  [{src.get('label', '')}] {src.get('title') or src['source']}{when} — {src['id']}"),
                  highlight=False, markup=False, style="dim", soft_wrap=True)


@app.command()
def ask(
    name: str,
    question: str,
    as_json: bool = typer.Option(False, "--json", help="Print {answer, sources} as JSON."),
    fresh: bool = typer.Option(False, "--fresh", help="Ignore the saved conversation and do not add to it."),
    max_tokens: int = typer.Option(300, "--max-tokens", help="Longest answer, in tokens."),
) -> None:
    """Ask a question about a contact, answered from your notes (with sources)."""
    from assistant.conversation.chat import ask as ask_question, ask_stream
    from assistant.conversation.history import Conversation
    from assistant.notes.contacts import resolve_contact

    s = settings()
    kb = knowledge_base(s)
    contact = resolve_contact(kb, s, name)
    conversation = Conversation(contact.name, s) if fresh else None
    gen = load_model(s)
    if as_json:
        answer = ask_question(contact.name, question, kb, s, gen, conversation=conversation, max_tokens=max_tokens,
                              save=not fresh)
        out.print_json(json.dumps({"answer": answer.answer, "sources": answer.sources, "query": answer.query}))
        return
    stream = ask_stream(contact.name, question, kb, s, gen, conversation=conversation, max_tokens=max_tokens,
                        save=not fresh)
    write_stream(stream)
    if stream.answer:
        print_sources(stream.answer.sources)


@app.command()
def chat(
    name: str,
    max_tokens: int = typer.Option(300, "--max-tokens", help="Longest answer, in tokens."),
    show_sources: bool = typer.Option(True, "--sources/--no-sources", help="List the notes behind each answer."),
) -> None:
    """Chat about a contact from your notes. /log TEXT logs an interaction, /forget clears, /quit exits."""
    from assistant.conversation.chat import ask_stream
    from assistant.conversation.history import Conversation
    from assistant.notes.contacts import resolve_contact
    from assistant.conversation.relationship import log_interaction

    s = settings()
    kb = knowledge_base(s)
    contact = resolve_contact(kb, s, name)
    conversation = Conversation.load(contact.name, s)
    gen = None  # loaded on the first question, so /forget and /log need no model
    earlier = sum(1 for t in conversation.turns if t.role == "user")
    console.print(f"Chat about {terminal_text(contact.name)}"
                  + (f" ({earlier} earlier questions remembered)" if earlier else "")
                  + ". Commands: /log TEXT, /forget, /quit.", highlight=False, markup=False)
    while True:
        line = read_line("you› ")
        if line is None:
            break
        line = line.strip()
        if not line:
            continue
        if line in ("/quit", "/exit", "/q"):
            break
        try:
            if line == "/forget":
                conversation.clear()
                console.print(f"Forgot this conversation about {terminal_text(contact.name)}.", markup=False)
            elif line.split()[0] == "/log":
                entry = log_interaction(contact.name, line[4:].strip(), kb, s)
                console.print(f"Logged for {entry.date}" + (" (already logged)" if entry.duplicate else "") + ".")
            elif line.startswith("/"):
                console.print("Commands: /log TEXT, /forget, /quit.")
            else:
                gen = gen or load_model(s)
                stream = ask_stream(contact.name, line, kb, s, gen, conversation=conversation, max_tokens=max_tokens)
                write_stream(stream)
                if show_sources and stream.answer:
                    print_sources(stream.answer.sources)
        except RapportError as exc:  # one bad turn must not end the chat
            print_error(exc)


@app.command("forget-chat")
def forget_chat(name: str) -> None:
    """Delete the saved conversation with a contact (their notes stay)."""
    from assistant.conversation.chat import forget_chat as forget

    s = settings()
    kb = knowledge_base(s)
    from assistant.notes.contacts import resolve_contact

    contact = resolve_contact(kb, s, name)
    existed = forget(contact.name, kb, s)
    who = terminal_text(contact.name)
    out.print(f"Forgot the conversation with {who}." if existed
              else f"There was no saved conversation with {who}.", highlight=False, markup=False)


@app.command()
def rehearse(
    name: str,
    question: Optional[list[str]] = typer.Option(None, "--question", "-q",
                                                 help="A question you plan to ask (repeatable; default: the saved brief's)."),
    as_json: bool = typer.Option(False, "--json", help="Print the review as JSON."),
    max_tokens: int = typer.Option(120, "--max-tokens", help="Longest reply, in tokens."),
) -> None:
    """Practise a conversation: the model plays the contact. /done ends and reviews, /quit leaves."""
    from assistant.conversation.rehearse import Rehearsal

    s = settings()
    kb = knowledge_base(s)
    gen = load_model(s)
    session = Rehearsal(name, kb, s, gen, max_tokens=max_tokens)
    console.print(f"You are talking with {terminal_text(session.name)} (played by the model from your notes). "
                  "Type what you would say. /done ends with a review, /quit leaves.", highlight=False, markup=False)
    while True:
        line = read_line("you› ")
        if line is None or line.strip() == "/done":
            review = session.review(list(question) if question else None)
            if as_json:
                out.print_json(json.dumps(review.to_dict()))
            else:
                out.print(terminal_text(review.describe()), highlight=False, markup=False)
            return
        line = line.strip()
        if line in ("/quit", "/exit", "/q"):
            return
        if not line:
            continue
        sys.stdout.write(f"{terminal_text(session.first)}: ")
        try:
            write_stream(session.reply_stream(line))
        except RapportError as exc:
            print_error(exc)
