"""Event: rank an attendee list, then brief the people worth meeting in one resumable batch."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from assistant import FIELDS, read_attendees
from assistant import DEMO_ATTENDEES
from assistant import event_status, export_zip, import_event, list_events
from assistant import write_ranking
from assistant import slug
from assistant import attendee_headers
from ui import jobs
from ui.render import compact_markdown
from ui.state import esc, flash, get_generator, get_kb, get_settings, errors_shown, show_flashes

AUTO, NONE = "(detect)", "(not in this file)"
FIELD_LABELS = {"name": "Name", "first_name": "First name", "last_name": "Last name", "title": "Title / role",
                "company": "Company", "bio": "Bio", "profile_url": "Profile URL", "notes": "Notes"}


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    return f"about {minutes} min {secs:02d} s left" if minutes else f"about {secs} s left"


def choose_file() -> tuple[bytes, str] | None:
    source = st.radio("Attendee list", ["Upload a CSV", "The demo list (Climate & Product Night)"],
                      key="event_source", horizontal=True)
    if source.startswith("Upload"):
        upload = st.file_uploader("CSV export from Eventbrite, Luma, Meetup, Excel…", type=["csv", "tsv", "txt"],
                                  key="event_csv")
        if upload is None:
            return None
        return upload.getvalue(), upload.name
    return DEMO_ATTENDEES.read_bytes(), DEMO_ATTENDEES.name


def column_mapping(data: bytes, filename: str) -> tuple[dict[str, str] | None, bool]:
    """Let the user map columns; returns (mapping or None, whether the file reads with it)."""
    with errors_shown(action="read attendee headers") as g:
        headers = attendee_headers(data)
    if g.failed:
        return None, False
    chosen: dict[str, str] = {}
    prefix = f"map_{slug(filename)}_"
    for field in FIELDS:
        value = st.session_state.get(prefix + field, AUTO)
        if value == NONE:
            chosen[field] = ""
        elif value != AUTO:
            chosen[field] = value
    mapping = chosen or None
    with errors_shown(action="read attendees") as g:
        imported = read_attendees(data, mapping)
    ok = not g.failed
    with st.expander("Columns", expanded=not ok):
        st.caption("Rapport guesses which column is which. If a guess is wrong (or it found no name column), "
                   "say which column holds each field.")
        cols = st.columns(4)
        for n, field in enumerate(FIELDS):
            options = [AUTO, NONE] + headers
            cols[n % 4].selectbox(FIELD_LABELS[field], options, key=prefix + field)
    if ok:
        used = ", ".join([f"{FIELD_LABELS[f]} ← “{h}”" for f, h in imported.mapping.items()]
                         + [f"their answers ← “{q}”" for q in imported.questions])
        extra = []
        if imported.skipped:
            extra.append(f"{len(imported.skipped)} rows without a name skipped")
        if imported.merged:
            extra.append(f"{len(imported.merged)} duplicate rows merged")
        st.caption(f"{len(imported.attendees)} attendees · {esc(used)}"
                   + (f" · {esc('; '.join(extra))}" if extra else "")
                   + f" · {esc(imported.encoding)}, delimiter “{esc(imported.delimiter)}”")
    return mapping, ok


def import_box(kb, settings) -> None:
    picked = choose_file()
    if picked is None:
        return
    data, filename = picked
    mapping, ok = column_mapping(data, filename)
    left, right = st.columns(2)
    name = left.text_input("Event name", value=Path(filename).stem.replace("-", " ").replace("_", " ").title()
                           if filename != DEMO_ATTENDEES.name else "Climate & Product Night", key="event_name")
    goal = right.text_input("Your goal for this event (optional)", key="event_goal",
                            placeholder="meet product people working on heat pumps")
    if st.button("Rank attendees", type="primary", disabled=not ok, key="rank_attendees",
                 help="Ranks everyone against your profile and goal in seconds; no model needed."):
        bar = st.progress(0.0, text="Reading the list…")

        def tick(done: int, total: int, label: str) -> None:
            bar.progress(done / total if total else 1.0, text=f"Storing {label}" if label else "Ranking…")

        with errors_shown(action="import event") as g:
            job = import_event(data, kb, settings, mapping=mapping, name=name.strip() or None,
                               goal=goal.strip() or None, filename=filename, progress=tick)
        if not g.failed:
            st.session_state["event_id"] = job.id
            flash(f"Ranked {len(job.items(with_briefs=False))} attendees for {job.name}.")
            st.rerun()


def ranking_table(status) -> None:
    rows = [{"#": i.rank, "Name": i.name,
             "Title": " · ".join(x for x in (i.attendee.get("title", ""), i.attendee.get("company", "")) if x),
             "Score": round(i.score, 2), "Why": i.reason, "Brief": i.state} for i in status.items]
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_config={"#": st.column_config.NumberColumn(width="small"),
                                "Name": st.column_config.TextColumn(width="medium"),
                                "Title": st.column_config.TextColumn(width="medium"),
                                "Score": st.column_config.NumberColumn(format="%.2f", width="small"),
                                "Why": st.column_config.TextColumn(width="large"),
                                "Brief": st.column_config.TextColumn(width="small")})


def run_controls(job, status, kb, settings) -> None:
    handle = jobs.get(settings, job.id)
    if handle is not None and handle.alive:
        return
    total = status.total
    c1, c2, c3 = st.columns([1, 1, 2], vertical_alignment="bottom")
    default_top = min(job.top or min(10, total), max(1, total))
    top = int(c1.number_input("How many to brief (best first)", min_value=1, max_value=max(1, total),
                              value=default_top, key=f"event_top_{job.id}"))
    scope = [i for i in status.items if i.rank <= top]
    failed = [i for i in scope if i.state == "failed"]
    retry = c2.checkbox(f"Retry the {len(failed)} failed", value=False, key=f"event_retry_{job.id}",
                        disabled=not failed)
    todo = [i for i in scope if i.state in ("queued", "running") or (retry and i.state == "failed")]
    started = any(i.state in ("done", "failed") for i in status.items)
    if not todo:
        label = "All briefs in this range are ready"
    elif started:
        label = f"Resume: {len(todo)} to go"
    else:
        label = f"Prepare {len(todo)} brief{'s' if len(todo) != 1 else ''}"
    if c3.button(label, type="primary", key="event_start", disabled=not todo,
                 help="Runs in the background, best-ranked first; you can cancel and resume later."):
        with errors_shown(action="load model") as g:
            gen = get_generator(settings)
        if not g.failed:
            jobs.start(job, kb, settings, gen, top=top, retry_failed=retry)
            st.rerun()


def live_progress(job_id: int, settings) -> None:
    """Polls the background run every 2 s while it is alive (a fragment: the rest of the page stays put)."""
    handle = jobs.get(settings, job_id)
    alive = handle is not None and handle.alive

    @st.fragment(run_every=2 if alive else None)
    def panel() -> None:
        h = jobs.get(settings, job_id)
        if h is None:
            return
        p = h.progress
        if h.alive:
            if p is not None and p.total:
                frac = min(1.0, p.finished / p.total)
                text = f"{p.finished} of {p.total} briefs"
                if p.running:
                    text += f" · writing {', '.join(p.running)}"
                eta = h.eta_s()
                if eta is not None:
                    text += f" · {_eta(eta)}" if eta >= 1 else " · finishing soon"
                st.progress(frac, text=esc(text))
            else:
                st.progress(0.0, text="Starting…")
            if h.cancel.is_set():
                st.caption("Cancelling: the brief in progress finishes, then the run stops. Resume any time.")
            elif st.button("Cancel", key="event_cancel"):
                jobs.cancel(settings, job_id)
                st.rerun()
        else:
            if h.error is not None:
                st.error(esc(h.error.message) + ("  \n" + esc(h.error.hint) if h.error.hint else ""))
            elif h.crashed:
                st.error("The batch stopped because of an unexpected error; details are in the log. "
                         "Resume to continue where it stopped.")
            elif h.result is not None:
                r = h.result
                msg = f"{r.done} of {r.total} briefs ready"
                if r.failed:
                    msg += f", {len(r.failed)} failed"
                if r.cancelled:
                    msg += f"; cancelled with {r.remaining} still to do (Resume continues)"
                st.success(msg + ".")
            if st.session_state.get("_event_seen_end") != (job_id, h.started_at):
                st.session_state["_event_seen_end"] = (job_id, h.started_at)
                st.rerun()  # refresh the table and the buttons once the run ends

    panel()


def briefs_list(status) -> None:
    ready = [i for i in status.items if i.state == "done" and i.brief]
    failed = [i for i in status.items if i.state == "failed"]
    if ready:
        st.subheader("Briefs")
        for item in ready:
            with st.expander(f"{esc(item.name)} · rank {item.rank}"):
                st.markdown(compact_markdown(item.brief))
    if failed:
        with st.expander(f"Failed ({len(failed)})"):
            for item in failed:
                st.markdown(f"**{esc(item.name)}**: {esc(item.error)}")


def main() -> None:
    st.title("Event")
    show_flashes()
    settings = get_settings()
    with errors_shown(action="open knowledge base") as g:
        kb = get_kb(settings)
        events = list_events(settings)
    if g.failed:
        return
    with st.expander("Import an attendee list", expanded=not events):
        import_box(kb, settings)
    if not events:
        st.caption("Import an attendee list to see who is worth seeking out.")
        return

    ids = [e.id for e in events]
    by_id = {e.id: e for e in events}
    current = st.session_state.get("event_id")
    if current not in ids:
        current = ids[0]
    if st.session_state.get("event_pick") != current:
        st.session_state["event_pick"] = current
    job_id = st.selectbox("Event", ids, key="event_pick",
                          format_func=lambda i: f"{by_id[i].name} · {by_id[i].created_at[:10]} (#{i})",
                          on_change=lambda: st.session_state.update(event_id=st.session_state["event_pick"]))
    st.session_state["event_id"] = job_id
    with errors_shown(action="event status") as g:
        status = event_status(settings, job_id, with_briefs=True)
    if g.failed:
        return
    job = status.job
    st.subheader(f"Who to seek out at {esc(job.name)}")
    if job.goal:
        st.caption(f"Goal: {esc(job.goal)}")
    ranking_table(status)

    d1, d2 = st.columns(2)
    with errors_shown(action="ranking csv"):
        with tempfile.TemporaryDirectory(prefix="rapport-ranking-") as tmp:  # never race the run's own files
            ranking = write_ranking(job, status.items, Path(tmp)).read_bytes()
        d1.download_button("Download the ranking (CSV)", ranking, file_name=f"{slug(job.name)}-ranking.csv",
                           mime="text/csv", key="dl_ranking")
    if status.counts.get("done"):
        with errors_shown(action="zip"):
            d2.download_button("Download all briefs (zip)", export_zip(job), file_name=f"{slug(job.name)}-briefs.zip",
                               mime="application/zip", key="dl_zip")

    st.divider()
    run_controls(job, status, kb, settings)
    live_progress(job.id, settings)
    briefs_list(status)


main()
