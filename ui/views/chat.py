"""Chat: follow-up questions about one contact, answered from your notes with sources; rehearsal; the log."""

from __future__ import annotations

from datetime import date

import streamlit as st

from assistant import Reset, ask_stream, forget_chat
from assistant import Conversation
from assistant import close_loop, list_loops, log_interaction
from ui.state import (contact_names_or_hint, errors_shown, esc, escape_chunk, flash, get_generator, open_page,
                      pick_contact, source_label, waiting_notice)


def escaped_tokens(tokens):
    """Model tokens made Markdown-inert one by one (escaping is per character, so it streams)."""
    for token in tokens:
        if isinstance(token, Reset) or type(token).__name__ == "Reset":  # the guard replaced what was shown
            yield "\n\n" + escape_chunk(str(token).strip()) + "\n\n"
        else:
            yield escape_chunk(token)


def show_sources(sources: list[dict], key: str) -> None:
    if not sources:
        return
    with st.expander(f"Sources ({len(sources)})", expanded=False):
        for s in sources:
            head = f"**{esc(s.get('label', ''))}** {esc(source_label(s))}"
            if s.get("date"):
                head += f" · {esc(s['date'])}"
            st.markdown(head)
            st.text(s.get("excerpt", ""))


def history(conv) -> None:
    for n, turn in enumerate(conv.turns):
        with st.chat_message("user" if turn.role == "user" else "assistant"):
            st.markdown(esc(turn.content, keep_lines=True))
            if turn.role == "assistant":
                show_sources(turn.sources, key=f"hist_{n}")


def answer_question(name: str, question: str, kb, settings, conv) -> None:
    with st.chat_message("user"):
        st.markdown(esc(question, keep_lines=True))
    with st.chat_message("assistant"):
        with errors_shown(action="load model") as g:
            gen = get_generator(settings)
        if g.failed:
            return
        waiting = waiting_notice(gen)
        with errors_shown(action="chat") as g:
            stream = ask_stream(name, question, kb, settings, gen, conversation=conv)
            slot = st.empty()
            with slot.container():
                st.write_stream(escaped_tokens(stream))
            waiting.empty()
            final = stream.answer
            if final is not None:
                slot.markdown(esc(final.answer, keep_lines=True))
                if final.guard:
                    st.caption(f"Rapport replaced the model's first answer: {esc(final.errors_shown)}.")
                show_sources(final.sources, key="latest")
        waiting.empty()


def rehearsal(name: str, kb, settings) -> None:
    """Practise the conversation: the model plays the contact (from your notes), then reviews you."""
    from assistant import Rehearsal

    sessions = st.session_state.setdefault("rehearsals", {})
    reh = sessions.get(name)
    with errors_shown(action="load model") as g:
        gen = get_generator(settings)
    if g.failed:
        return
    if reh is None:
        with errors_shown(action="start rehearsal") as g:
            reh = Rehearsal(name, kb, settings, gen)
        if g.failed:
            return
        sessions[name] = reh
    st.caption(f"The model plays {esc(name)} using only your notes. Open with your first line; "
               "ask for a review when you are done.")
    for turn in _rehearsal_turns(reh):
        role, text = turn
        avatar = None if role == "user" else ":material/theater_comedy:"
        with st.chat_message("user" if role == "user" else "assistant", avatar=avatar):
            st.markdown(esc(text, keep_lines=True))
    line = st.chat_input(f"What do you say to {name}?", key="rehearse_input")
    if line:
        with st.chat_message("user"):
            st.markdown(esc(line, keep_lines=True))
        with st.chat_message("assistant", avatar=":material/theater_comedy:"):
            waiting = waiting_notice(gen)
            with errors_shown(action="rehearse") as g:
                stream_fn = getattr(reh, "reply_stream", None)
                if stream_fn is not None:
                    st.write_stream(escaped_tokens(stream_fn(line)))
                else:
                    reply = reh.reply(line)
                    st.markdown(esc(getattr(reply, "text", reply), keep_lines=True))
            waiting.empty()
    cols = st.columns(2)
    if cols[0].button("Review my rehearsal", key="rehearse_review"):
        with st.spinner("Reviewing…"), errors_shown(action="rehearsal review") as g:
            review = reh.review()
        if not g.failed:
            _show_review(review)
    if cols[1].button("Start over", key="rehearse_reset"):
        sessions.pop(name, None)
        st.rerun()


def _rehearsal_turns(reh) -> list[tuple[str, str]]:
    turns = getattr(reh, "turns", None) or getattr(reh, "history", None) or []
    out = []
    for t in turns:
        if isinstance(t, dict):
            out.append((t.get("role", "assistant"), str(t.get("content", t.get("text", "")))))
        else:
            out.append((getattr(t, "role", "assistant"), str(getattr(t, "content", getattr(t, "text", "")))))
    return out


def _show_review(review) -> None:
    with st.container(border=True):
        st.markdown("**How it went**")
        text = review.describe() if hasattr(review, "describe") else str(review)
        st.markdown(esc(text, keep_lines=True))


def log_box(name: str, kb, settings) -> None:
    with st.expander("Log an interaction", expanded=False):
        with st.form("log_interaction", clear_on_submit=True):
            text = st.text_area("What happened?", placeholder="Coffee at Tern & Kettle; she mentioned a new project…",
                                key="log_text")
            when = st.date_input("When", value=date.today(), max_value=date.today(), key="log_date")
            left, right = st.columns(2)
            offer = left.text_input("You promised (optional)", placeholder="send the onboarding article",
                                  key="log_offer")
            ask = right.text_input("They asked you for (optional)", placeholder="GreenGrid notes", key="log_ask")
            submitted = st.form_submit_button("Log it", type="primary", key="log_submit")
        if submitted:
            with errors_shown(action="log interaction") as g:
                entry = log_interaction(name, text, kb, settings, when=when, offer=offer or None, ask=ask or None)
            if not g.failed:
                flash("That was already logged for that day." if entry.duplicate
                      else f"Logged for {entry.contact} on {entry.date}. The next brief and chat will use it.")
                st.rerun()
        with errors_shown(action="open loops") as g:
            loops = list_loops(kb, settings, name)
        if not g.failed and loops:
            st.markdown("**Open loops**")
            for loop in loops:
                left, right = st.columns([5, 1])
                left.markdown(esc(loop.describe()))
                if right.button("Done", key=f"close_loop_{loop.id}"):
                    with errors_shown(action="close loop"):
                        close_loop(loop.id, settings)
                        st.rerun()


def main() -> None:
    opened = open_page("Chat", contact_names_or_hint)
    if opened is None or not opened[2]:
        return
    settings, kb, names = opened
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    with left:
        name = pick_contact(names, key="chat_contact")
    mode = right.toggle("Rehearsal mode", key="rehearsal_mode", help="Practise the conversation with the model "
                        "playing them, then get a review.")
    if not name:
        return
    log_box(name, kb, settings)
    if mode:
        rehearsal(name, kb, settings)
        return
    conv = Conversation.load(name, settings)
    if not conv.turns:
        st.caption(f"Ask anything about {esc(name)}. Answers come only from your notes, with sources.")
    history(conv)
    question = st.chat_input(f"Ask about {name}…", key="chat_input")
    if question:
        answer_question(name, question, kb, settings, conv)
    if conv.turns and st.button("Clear this chat", key="clear_chat"):
        with errors_shown(action="clear chat"):
            forget_chat(name, kb, settings)
            st.rerun()


main()
