"""Rapport in the browser: ``streamlit run ui/app.py`` (or ``rapport ui``, which binds 127.0.0.1).

The entry point only sets up navigation and the sidebar; each page lives in
``ui/views/`` and calls the core in ``assistant/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402

from ui.state import esc, get_settings, errors_shown, loaded_generator, model_busy, model_spec  # noqa: E402

# An emoji favicon is drawn locally; a ":material/...:" one would be fetched from fonts.gstatic.com.
st.set_page_config(page_title="Rapport", page_icon="🤝", layout="wide",
                   initial_sidebar_state="expanded")


def _access_gate() -> None:
    """With an access token set (``rapport ui --lan``), nothing renders without it.

    The token comes in once as ``?token=...`` (the link ``rapport ui`` prints) and is then kept in
    this browser session. Without RAPPORT_UI_TOKEN nothing changes, unless Streamlit was told to
    listen on a non-loopback address: then no page renders at all.
    """
    import hmac
    import ipaddress
    import os

    expected = os.environ.get("RAPPORT_UI_TOKEN", "").strip()
    if expected:
        given = st.query_params.get("token") or st.session_state.get("_rapport_access") or ""
        if hmac.compare_digest(str(given).encode(), expected.encode()):
            st.session_state["_rapport_access"] = given
            return
    else:
        bound = str(st.get_option("server.address") or "").strip("[]")
        try:
            if not bound or bound == "localhost" or ipaddress.ip_address(bound).is_loopback:
                return
        except ValueError:  # a host name: treat it as reachable from elsewhere
            pass
    st.markdown("### This Rapport page needs its access link")
    st.caption("Open the link that `rapport ui --lan` printed (it ends in `?token=…`), "
               "or ask the person running Rapport for it.")
    st.stop()


_access_gate()

PAGES = [
    st.Page("views/today.py", title="Today", icon=":material/today:", default=True),
    st.Page("views/people.py", title="People", icon=":material/group:"),
    st.Page("views/brief.py", title="Brief", icon=":material/description:"),
    st.Page("views/chat.py", title="Chat", icon=":material/forum:"),
    st.Page("views/debrief.py", title="Debrief", icon=":material/rate_review:"),
    st.Page("views/event.py", title="Event", icon=":material/event:"),
    st.Page("views/me.py", title="Me", icon=":material/person:"),
]


def sidebar() -> None:
    from assistant import BUNDLED, installed_models

    settings = get_settings()
    with st.sidebar:
        st.markdown("**Rapport** · private conversation prep")
        if settings.llm_url:
            st.caption(f"Model server: {esc(settings.llm_url)}")
        elif st.session_state.get("generator") is None:
            installed = installed_models(settings)
            options = list(dict.fromkeys(installed + ([settings.model] if settings.model not in installed else [])))
            labels = {n: (f"{n} · {BUNDLED[n].label}" if n in BUNDLED else n) for n in options}
            current = model_spec(settings)
            st.selectbox("Model", options, index=options.index(current) if current in options else 0,
                         key="model_choice", format_func=lambda n: labels.get(n, n),
                         help="Installed models (`rapport models fetch` adds more). Loaded once, shared by all tabs.")
        gen = loaded_generator(settings)
        if gen is None:
            st.caption("Model not loaded yet: it loads the first time it is needed.")
            if st.button("Load the model now", key="load_model"):
                from ui.state import get_generator

                with errors_shown(action="load model"):
                    get_generator(settings)
                    st.rerun()
        else:
            size = getattr(gen, "size", 0) or 0
            stats = getattr(gen, "stats", None)
            speed = getattr(stats, "tokens_per_second", 0.0) if stats is not None else 0.0
            line = f"Loaded: {esc(getattr(gen, 'name', 'model'))}"
            if size:
                line += f" · {size / 1e6:,.0f} MB"
            if speed:
                line += f" · {speed:.1f} tokens/s so far"
            st.caption(line)
            if model_busy(gen):
                st.caption(":material/hourglass_top: The model is busy with another request; "
                           "new requests wait their turn.")
        st.caption(f"Data: {esc(settings.home)}")
        st.caption("Everything stays on this computer: notes, chats and the model.")


page = st.navigation(PAGES)
sidebar()
page.run()
