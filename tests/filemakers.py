"""Write real files of every format the importer takes (and broken ones)."""

from __future__ import annotations

import zlib
from pathlib import Path


def pdf_with_stream(path: Path, stream: bytes, compressed: bool = False) -> Path:
    """A one-page PDF whose content stream is ``stream`` (optionally Flate-compressed)."""
    body = zlib.compress(stream, 9) if compressed else stream
    filt = b" /Filter /FlateDecode" if compressed else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d%s >>\nstream\n" % (len(body), filt) + body + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def text_pdf(path: Path, lines: list[str]) -> Path:
    """A one-page PDF with a real text layer, written by hand (no PDF library needed)."""
    ops = ["BT", "/F1 12 Tf", "72 740 Td", "14 TL"]
    for line in lines:
        safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({safe}) Tj T*")
    ops.append("ET")
    return pdf_with_stream(path, "\n".join(ops).encode("latin-1"))


def encrypted_pdf(path: Path, source: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(str(source)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm="RC4-128")
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def image_only_pdf(path: Path) -> Path:
    """A page with no text layer, as a scan would be."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    with path.open("wb") as fh:
        writer.write(fh)
    return path


EML = """From: Priya Raman <priya@example.org>
To: Me <me@example.org>
Subject: Re: coffee next week
Date: Tue, 14 Oct 2026 09:12:00 +0000
Content-Type: text/plain; charset=utf-8

Hi! Happy to meet. I am knee-deep in the Tidewater kelp-farming pilot until Friday.

Priya
"""

VCF = """BEGIN:VCARD
VERSION:3.0
FN:Marcus Oyelaran
N:Oyelaran;Marcus;;;
ORG:Brightline Transit Lab
TITLE:Head of Service Design
EMAIL:marcus@example.org
NOTE:Met at the mobility meetup; loves cycling infrastructure.
END:VCARD
"""

HTML = """<html><head><title>Lena Fischer - Profile</title><script>alert(1)</script></head>
<body><h1>Lena Fischer</h1><p>Research engineer at Quarry Robotics working on <b>warehouse picking arms</b>.</p>
<style>p{color:red}</style></body></html>"""
