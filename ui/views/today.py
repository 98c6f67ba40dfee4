"""Today: what to do in your networking today (meetings, loops, people due), and the plan for the weeks ahead."""

from __future__ import annotations

from datetime import date

import streamlit as st

from assistant import build_plan, close_loop, today_items
from ui.state import errors_shown, esc, flash, open_page

_ICONS = {"prepare": ":material/description:", "debrief": ":material/edit_note:", "offer": ":material/redeem:",
          "ask": ":material/help:", "due": ":material/schedule:"}


def _open_brief(name: str, page: str = "views/brief.py") -> None:
    st.session_state["contact"] = name
    st.switch_page(page)


def _item(i, n: int, settings) -> None:
    with st.container(border=True):
        left, right = st.columns([5, 1])
        left.markdown(f"{_ICONS.get(i.kind, '')} **{esc(i.title)}**")
        left.caption(esc(i.why))
        if i.kind in ("prepare", "due", "debrief"):
            if right.button("Open brief" if i.kind != "debrief" else "Debrief", key=f"today_open_{n}"):
                _open_brief(i.name, "views/debrief.py" if i.kind == "debrief" else "views/brief.py")
        elif i.loop_id is not None:
            if right.button("Done", key=f"today_close_{n}", help="Close this loop"):
                with errors_shown(action="close loop") as g:
                    close_loop(i.loop_id, settings)
                if not g.failed:
                    flash(f"Closed: {i.why}")
                    st.rerun()


def _plan(kb, settings, today: date) -> None:
    st.subheader("The plan for the next weeks")
    with errors_shown(action="plan"):
        plan = build_plan(kb, settings, today, weeks=4)
        if not plan.items:
            st.caption("Nothing planned for the next four weeks.")
        rows = [{"Week": plan.week_of(i), "When": i.on.isoformat(), "Who": i.name, "What": i.kind, "Why": i.why}
                for i in plan.items]
        if rows:
            st.dataframe(rows, hide_index=True, width="stretch", key="today_plan")
        for line in plan.waiting:
            st.caption(esc(line))
        st.caption(f"At most {plan.max_asks_per_week} new asks a week; what you promised comes first.")


def main() -> None:
    opened = open_page("Today", lambda kb, s: None)
    if opened is None:
        return
    settings, kb, _ = opened
    today = date.today()
    with errors_shown(action="today") as g:
        items = today_items(kb, settings, today)
    if g.failed:
        return
    from assistant import list_contacts

    if not items and not list_contacts(kb, settings):
        st.info("Nobody here yet. Import your LinkedIn connections (`rapport import Connections.csv`) "
                "or add a contact on the People page.")
        if st.button("Go to People", key="today_people"):
            st.switch_page("views/people.py")
        return
    if not items:
        st.success("Nothing needs you today. Log a meeting from the Chat page, or look at the plan below.")
    for n, i in enumerate(items):
        _item(i, n, settings)
    _plan(kb, settings, today)


main()
