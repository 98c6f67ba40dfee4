"""Bytes to text: the one decoder for notes, pasted files and attendee lists.

The order matters: a byte-order mark is authoritative; then UTF-16 without a
BOM (spotted by its NUL bytes); then strict UTF-8 (valid UTF-8 is almost
never accidental for non-ASCII text); then cp1252, which is what Excel on
Windows writes and decodes nearly any byte string, so it comes last; then
charset-normalizer's guess, and latin-1, which never fails.
"""

from __future__ import annotations

from assistant.errors import InputError


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode bytes to text, returning the text and the encoding used.

    The order matters: a BOM is authoritative; then strict UTF-8 (valid UTF-8
    is almost never accidental for non-ASCII text); then cp1252, which is what
    Excel on Windows writes for "CSV" and decodes nearly any byte string, so it
    has to come last.
    """
    boms = (
        (b"\xef\xbb\xbf", "utf-8-sig", "utf-8-sig"),
        (b"\xff\xfe\x00\x00", "utf-32", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32", "utf-32"),
        (b"\xff\xfe", "utf-16", "utf-16-le"),
        (b"\xfe\xff", "utf-16", "utf-16-be"),
    )
    for bom, codec, label in boms:
        if data.startswith(bom):
            try:
                return data.decode(codec), label
            except UnicodeDecodeError:
                raise InputError(
                    f"The file starts with a {label} marker but is not valid {label}.",
                    "Re-save or re-export it as UTF-8.",
                ) from None
    guessed16 = guess_bomless_utf16(data)
    if guessed16:
        try:
            return data.decode(guessed16), guessed16
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        pass
    # Bytes cp1252 leaves undefined (0x81, 0x8d, ...): let charset-normalizer
    # have a go, and fall back to latin-1, which never fails, so a mostly
    # readable file still loads instead of being rejected outright.
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None:
            return str(best), best.encoding
    except ImportError:
        pass
    return data.decode("latin-1"), "latin-1"


def guess_bomless_utf16(data: bytes) -> str | None:
    """Spot UTF-16 without a BOM by its NUL bytes (ASCII-heavy text only).

    Some exporters drop the BOM; decoding that as UTF-8 "succeeds" with a NUL
    between every letter, which would then fail as "no name column".
    """
    sample = data[:2000]
    if len(sample) < 4:
        return None
    half = len(sample) // 2
    odd_nuls = sample[1::2].count(0)
    even_nuls = sample[0::2].count(0)
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


__all__ = ["decode_bytes", "guess_bomless_utf16"]
