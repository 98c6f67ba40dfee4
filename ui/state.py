"""What every page shares: settings, the knowledge base, the model, errors and safe text.

Pages stay thin: they call the core (``assistant``) and render what it
returns. Three rules live here so no page has to remember them:

* The model is loaded once per process and shared by every browser tab
  (``st.cache_resource``); a test injects its own generator through
  ``st.session_state["generator"]``.
* Only :class:`RapportError` is caught, and it is shown as its message and
  hint next to the thing that failed; the traceback goes to the log.
* Text from notes or from the model is never rendered as HTML, and in
  Markdown its link/image/formatting syntax is escaped.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run ui/app.py` puts only ui/ on the path
    sys.path.insert(0, str(ROOT))

from assistant import Settings  # noqa: E402  (also silences telemetry first)
from assistant import RapportError  # noqa: E402
from assistant import escape_markdown  # noqa: E402

import streamlit as st  # noqa: E402

log = logging.getLogger("rapport.ui")

# ------------------------------------------------------------------ text ---

esc = escape_markdown


def escape_chunk(text: str) -> str:
    """Escape a streamed piece of text as it is (whitespace kept): escaping is per character."""
    return escape_markdown(text, keep_spaces=True)


def safe_markdown(text: object, where: Any = None, *, keep_lines: bool = False) -> None:
    """Show notes/model text as plain words (Markdown syntax inside it escaped)."""
    (where or st).markdown(escape_markdown(text, keep_lines=keep_lines))


# ---------------------------------------------------------------- errors ---

def show_error(exc: RapportError, where: Any = None) -> None:
    body = escape_markdown(exc.message)
    if exc.hint:
        body += "  \n" + escape_markdown(exc.hint)
    (where or st).error(body, icon=":material/error:")


class errors_shown:
    """``with errors_shown(): ...`` — a RapportError becomes ``st.error`` (message + hint) in place.

    Anything else is a bug and is left to Streamlit (which shows no details
    with ``client.showErrorDetails = false``). After the block, ``.failed``
    says whether it stopped early.
    """

    def __init__(self, where: Any = None, action: str = "") -> None:
        self.where = where
        self.action = action
        self.failed = False
        self.error: RapportError | None = None

    def __enter__(self) -> "errors_shown":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None and issubclass(exc_type, RapportError):
            self.failed = True
            self.error = exc
            log.warning("%s failed: %s", self.action or "UI action", exc, exc_info=(exc_type, exc, tb))
            show_error(exc, self.where)
            return True
        return False


def flash(message: str, kind: str = "success") -> None:
    """A message to show at the top of the next run (after ``st.rerun()``)."""
    st.session_state.setdefault("_flash", []).append((kind, message))


def show_flashes() -> None:
    for kind, message in st.session_state.pop("_flash", []):
        getattr(st, kind, st.info)(escape_markdown(message))


# --------------------------------------------------------------- settings ---

_log_handler: logging.FileHandler | None = None


def _log_to(settings: Settings) -> None:
    """Details (tracebacks included) go to ``<data dir>/rapport.log``, like the CLI's."""
    global _log_handler
    path = str(settings.log_path)
    if _log_handler is not None and _log_handler.baseFilename == str(Path(path).absolute()):
        return
    logger = logging.getLogger("rapport")
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if _log_handler is not None:  # another data dir (tests): log there only
        logger.removeHandler(_log_handler)
        _log_handler.close()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    _log_handler = handler


def get_settings() -> Settings:
    """Settings from ``RAPPORT_*`` (tests point RAPPORT_HOME at a temp dir)."""
    settings = Settings.from_env().ensure_dirs()
    try:
        _log_to(settings)
    except OSError:
        pass
    return settings


def _settings_key(settings: Settings) -> str:
    return "|".join(str(x) for x in (settings.home, settings.chroma_url, settings.models_dir, settings.collection))


@st.cache_resource(show_spinner="Opening your notes…", max_entries=8)
def _knowledge_base(key: str, _settings: Settings):
    from assistant import KnowledgeBase

    return KnowledgeBase(_settings)


def get_kb(settings: Settings | None = None):
    """The knowledge base for the data dir (one per process and location)."""
    settings = settings or get_settings()
    return _knowledge_base(_settings_key(settings), settings)


# ------------------------------------------------------------------ model ---

_loaded: dict[str, Any] = {}  # spec key -> generator, to show in the sidebar without loading


def model_spec(settings: Settings) -> str:
    return st.session_state.get("model_choice") or settings.model


def _model_key(settings: Settings, spec: str) -> str:
    return "|".join(str(x) for x in (spec, settings.llm_url, settings.models_dir, settings.n_ctx))


@st.cache_resource(show_spinner="Loading the model (once; every tab shares it)…", max_entries=4)
def _load_generator(key: str, spec: str, _settings: Settings):
    from assistant import load_generator

    return load_generator(_settings, spec)


def get_generator(settings: Settings | None = None):
    """The injected generator (tests), else the process-wide real one (loaded on first use)."""
    injected = st.session_state.get("generator")
    if injected is not None:
        return injected
    settings = settings or get_settings()
    spec = model_spec(settings)
    key = _model_key(settings, spec)
    gen = _load_generator(key, spec, settings)
    _loaded[key] = gen
    return gen


def loaded_generator(settings: Settings):
    """The generator if it is already in memory, without loading it."""
    injected = st.session_state.get("generator")
    if injected is not None:
        return injected
    return _loaded.get(_model_key(settings, model_spec(settings)))


def model_busy(gen: Any) -> bool:
    lock = getattr(gen, "lock", None)
    return bool(lock is not None and lock.locked())


def waiting_notice(gen: Any, where: Any = None):
    """A placeholder saying we queue behind another tab; the caller clears it when the model answers."""
    slot = (where or st).empty()
    if model_busy(gen):
        slot.info("Waiting for the model: another tab or session is using it. Yours starts as soon as it is free.",
                  icon=":material/hourglass_top:")
    return slot


# --------------------------------------------------------------- contacts ---

def pick_contact(names: Sequence[str], key: str, label: str = "Contact", where: Any = None,
                 allow_none: bool = False) -> str | None:
    """A contact selectbox that remembers the choice across pages."""
    where = where or st
    options = list(names)
    if allow_none:
        options = [""] + options
    if not options:
        return None
    current = st.session_state.get("contact")
    if current not in options:
        current = options[0]
    if st.session_state.get(key) != current:  # chosen on another page, or just added
        st.session_state[key] = current
    chosen = where.selectbox(label, options, key=key, format_func=lambda n: n or "(choose)",
                             on_change=_contact_changed, args=(key,))
    if chosen:
        st.session_state["contact"] = chosen
    return chosen or None


def _contact_changed(key: str) -> None:
    st.session_state["contact"] = st.session_state.get(key)


def contact_names(kb, settings: Settings) -> list[str]:
    from assistant import list_contacts

    return [c.name for c in list_contacts(kb, settings)]


def open_page(title: str, read=None):
    """A page's start: title, pending messages, settings, the knowledge base and what the page reads.

    Returns ``(settings, kb, value)`` where ``value = read(kb, settings)``, or None when the
    knowledge base cannot be opened (the reason is already on the page).
    """
    st.title(title)
    show_flashes()
    settings = get_settings()
    with errors_shown(action="open knowledge base") as g:
        kb = get_kb(settings)
        value = read(kb, settings) if read else None
    if g.failed:
        return None
    return settings, kb, value


def with_model(settings: Settings, action: str, spinner: str, work):
    """Load the shared model, say so while it is busy, and run ``work(generator)`` under a spinner.

    Returns ``(ok, result)``; a failure is already shown on the page in words.
    """
    with errors_shown(action="load model") as g:
        gen = get_generator(settings)
    if g.failed:
        return False, None
    waiting = waiting_notice(gen)
    result = None
    with st.spinner(spinner), errors_shown(action=action) as g:
        result = work(gen)
    waiting.empty()
    return not g.failed, result


def contact_names_or_hint(kb, settings: Settings) -> list[str]:
    """Contact names, with the next step shown when there are none yet."""
    names = contact_names(kb, settings)
    if not names:
        st.info("No contacts yet. Add someone and their notes on the People page first.")
    return names


def source_label(source: dict) -> str:
    """Where a cited chunk came from: its title, else the file name."""
    where = source.get("title") or str(source.get("source", "")).rsplit("/", 1)[-1]
    return where or "note"


__all__ = [
    "ROOT", "contact_names", "esc", "escape_chunk", "escape_markdown", "flash", "get_generator", "get_kb",
    "errors_shown", "get_settings", "loaded_generator", "model_busy", "model_spec", "pick_contact", "safe_markdown",
    "show_error", "show_flashes", "source_label", "waiting_notice",
]
