"""Hardening: everything works with every outbound non-loopback connection refused.

A socket guard (``socket.connect``/``connect_ex``/``sendto`` and name lookups)
refuses anything that is not 127.0.0.1/::1/a Unix socket and records the try.
Then ingest, brief, chat, an event run and the Streamlit app's first page run
in process. The model is faked for speed (ScriptedGenerator); the embeddings
are the real local ONNX model. We require the work to succeed AND that
nothing even tried to get out (telemetry off, no model download).
"""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

LOCAL_NAMES = {"localhost", "127.0.0.1", "::1", "", None}


def _is_local(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0] if isinstance(address, tuple) and address else address
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    tried: list[str] = []
    real_connect, real_connect_ex, real_sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto
    real_getaddrinfo = socket.getaddrinfo

    def connect(self, address):  # type: ignore[no-untyped-def]
        if not _is_local(address):
            tried.append(f"connect {address}")
            raise ConnectionRefusedError(f"test guard: outbound connection to {address} refused")
        return real_connect(self, address)

    def connect_ex(self, address):  # type: ignore[no-untyped-def]
        if not _is_local(address):
            tried.append(f"connect_ex {address}")
            return 111
        return real_connect_ex(self, address)

    def sendto(self, data, *args):  # type: ignore[no-untyped-def]
        address = args[-1]
        if not _is_local(address):
            tried.append(f"sendto {address}")
            raise ConnectionRefusedError("test guard: outbound datagram refused")
        return real_sendto(self, data, *args)

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not _is_local(host if not isinstance(host, bytes) else host.decode()) and host not in LOCAL_NAMES:
            tried.append(f"lookup {host}")
            raise socket.gaierror(f"test guard: lookup of {host} refused")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket.socket, "sendto", sendto)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return tried


def test_the_guard_refuses_the_outside(no_network: list[str]) -> None:
    with pytest.raises(OSError):
        socket.create_connection(("10.255.255.1", 80), timeout=1)
    assert no_network  # the guard is live: anything the app tries below would be recorded


def test_everything_works_offline(no_network: list[str], settings, tmp_path: Path) -> None:
    import jsonschema

    from assistant.brief.builder import build_brief
    from assistant.conversation.chat import ask
    from assistant.brief.evaluate import CONTRACT
    from assistant.event.run import import_event, run_event
    from assistant.notes.ingest import ingest_paths, ingest_text
    from assistant.generation.llm import ScriptedGenerator
    from assistant.notes.store import KnowledgeBase
    from assistant.types import Target

    kb = KnowledgeBase(settings)
    note = tmp_path / "dana.md"
    note.write_text("---\ntitle: Coffee\n---\nDana Whitfield leads product at Brightwater Heat. "
                    "Installer onboarding is her main problem.\n", encoding="utf-8")
    assert not ingest_paths([note], Target.contact("Dana Whitfield"), kb, settings).failed
    ingest_text("I am a product manager moving into climate tech.", Target.me(), kb, settings)
    gen = ScriptedGenerator(default="She leads product at Brightwater Heat [N1].")
    jsonschema.validate(build_brief("Dana Whitfield", kb, settings, gen).to_dict(), CONTRACT)
    assert ask("Dana Whitfield", "Where does she work?", kb, settings, gen).answer.strip()
    csv = tmp_path / "night.csv"
    csv.write_text("Name,Title,Company\nAmara Obi,Firmware lead,Hearwell\nLi Wei,PM,GridCo\n", encoding="utf-8")
    job = import_event(csv, kb, settings, goal="meet firmware people", out_dir=tmp_path / "pack")
    run_event(job, kb, settings, gen)
    assert (tmp_path / "pack" / "index.html").exists()
    assert no_network == [], no_network


def test_ui_starts_offline(no_network: list[str], settings) -> None:
    from streamlit.testing.v1 import AppTest

    from assistant.generation.llm import ScriptedGenerator

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "ui" / "app.py"), default_timeout=120)
    at.session_state["generator"] = ScriptedGenerator()
    at.run()
    assert not at.exception, at.exception
    assert no_network == [], no_network


# ------------------------------------------------------------ LAN access --

APP = Path(__file__).resolve().parents[1] / "ui" / "app.py"
TOKEN = "tok-3IZ3vRpIRqKx6w7-9EF843Nc0ihjA1pZ"


def _app(monkeypatch: pytest.MonkeyPatch, token: str | None):
    from streamlit.testing.v1 import AppTest

    from assistant.generation.llm import ScriptedGenerator

    if token is None:
        monkeypatch.delenv("RAPPORT_UI_TOKEN", raising=False)
    else:
        monkeypatch.setenv("RAPPORT_UI_TOKEN", token)
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["generator"] = ScriptedGenerator()
    return at


def _shown(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption]
                     + [m.value for m in at.sidebar.markdown] + [c.value for c in at.sidebar.caption])


@pytest.mark.parametrize("given", [None, "", "wrong-token-of-some-length", TOKEN[:-1], TOKEN + "x"])
def test_with_a_token_set_nothing_renders_without_it(monkeypatch: pytest.MonkeyPatch, settings, given) -> None:
    at = _app(monkeypatch, TOKEN)
    if given is not None:
        at.query_params["token"] = given
    at.run()
    assert not at.exception, at.exception
    shown = _shown(at)
    assert "This Rapport page needs its access link" in shown, shown
    assert "Everything stays on this computer" not in shown  # the sidebar did not render
    assert not at.selectbox and not at.button and not at.text_input and not at.dataframe


def test_the_access_link_opens_the_app_and_the_session_remembers_it(monkeypatch: pytest.MonkeyPatch,
                                                                     settings) -> None:
    at = _app(monkeypatch, TOKEN)
    at.query_params["token"] = TOKEN
    at.run()
    assert not at.exception, at.exception
    assert "needs its access link" not in _shown(at)
    assert "Everything stays on this computer" in _shown(at)
    del at.query_params["token"]  # another page of the app, same browser session
    at.run()
    assert "needs its access link" not in _shown(at)
    assert "Everything stays on this computer" in _shown(at)


def test_without_a_token_the_local_app_is_unchanged(monkeypatch: pytest.MonkeyPatch, settings) -> None:
    at = _app(monkeypatch, None)
    at.run()
    assert not at.exception, at.exception
    assert "needs its access link" not in _shown(at)
    assert "Everything stays on this computer" in _shown(at)


@pytest.mark.parametrize("address, locked", [("0.0.0.0", True), ("192.168.1.20", True), ("::", True),
                                             ("127.0.0.1", False), ("localhost", False)])
def test_listening_beyond_loopback_without_a_token_renders_nothing(monkeypatch: pytest.MonkeyPatch, settings,
                                                                    address: str, locked: bool) -> None:
    """`streamlit run ui/app.py --server.address 0.0.0.0` (not `rapport ui --lan`) cannot skip the gate."""
    from streamlit import config

    before = config.get_option("server.address")
    config.set_option("server.address", address)
    try:
        at = _app(monkeypatch, None)
        at.run()
    finally:
        config.set_option("server.address", before)
    assert not at.exception, at.exception
    assert ("needs its access link" in _shown(at)) is locked
    assert ("Everything stays on this computer" in _shown(at)) is not locked


def _rapport_ui(*args: str, env_token: str | None = None, timeout: float = 60):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "RAPPORT_UI_TOKEN"}
    if env_token is not None:
        env["RAPPORT_UI_TOKEN"] = env_token
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rapport = str(Path(sys.executable).with_name("rapport"))
    proc = subprocess.run([rapport, "ui", "--headless", "--port", str(port), *args], env=env, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return proc, port


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_lan_refuses_to_start_without_a_token() -> None:
    proc, port = _rapport_ui("--lan")
    said = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode == 2, said
    assert "--lan needs an access token" in said and "RAPPORT_UI_TOKEN" in said, said
    assert "Rapport is at" not in said and not _listening(port)


@pytest.mark.parametrize("args, env_token", [(("--lan", "--token", "short"), None), (("--lan",), "too-short")])
def test_lan_refuses_a_short_token(args: tuple[str, ...], env_token: str | None) -> None:
    proc, port = _rapport_ui(*args, env_token=env_token)
    said = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode == 2, said
    assert "too short" in said, said
    assert not _listening(port)
