"""Attendee CSV import and ranking export: the messy files organisers really send."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from assistant.event.attendees import Attendee, AttendeeImport, read_attendees
from assistant.event.spreadsheet import escape_cell, write_ranking_csv
from assistant.errors import InputError, RapportError


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "attendees.csv") -> Path:
    """Write exact bytes (newline="" so the test controls line endings)."""
    path = tmp_path / name
    with path.open("w", encoding=encoding, newline="") as handle:
        handle.write(text)
    return path


def names(result: AttendeeImport) -> list[str]:
    return [a.name for a in result.attendees]


# --------------------------------------------------------------------------
# Delimiters and encodings
# --------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    rows = [
        ["Name", "Title", "Company", "Bio"],
        ["Ada Lovelace", "Analyst", "Engines, Ltd", "Writes programs; likes maths"],
        ["Grace Hopper", "Admiral", "Navy", "Compilers, COBOL; debugging"],
    ]
    lines = []
    for row in rows:
        # Quote cells that contain any candidate delimiter, as spreadsheets do.
        lines.append(delimiter.join(f'"{c}"' if any(d in c for d in ",;\t") else c for c in row))
    result = read_attendees(write(tmp_path, "\r\n".join(lines) + "\r\n"))
    assert result.delimiter == delimiter
    assert names(result) == ["Ada Lovelace", "Grace Hopper"]
    assert result.attendees[0].company == "Engines, Ltd"
    assert result.attendees[1].bio == "Compilers, COBOL; debugging"


def test_semicolon_file_with_comma_heavy_bios(tmp_path: Path) -> None:
    text = (
        "Name;Title;Bio\n"
        "Ana;CTO;Ex-Google, ex-Meta, angel investor, runner, cook\n"
        "Ben;CFO;Finance, ops, hiring, fundraising, board work\n"
    )
    result = read_attendees(write(tmp_path, text))
    assert result.delimiter == ";"
    assert result.attendees[0].bio == "Ex-Google, ex-Meta, angel investor, runner, cook"


def test_single_column_file_with_quoted_commas(tmp_path: Path) -> None:
    # csv.Sniffer gives up on this one; the header-line fallback must cope.
    result = read_attendees(write(tmp_path, 'Name\n"Silva, Ana"\n"Ode, Ben"\n'))
    assert result.delimiter == ","
    assert names(result) == ["Silva, Ana", "Ode, Ben"]


def test_excel_sep_line_is_honoured(tmp_path: Path) -> None:
    result = read_attendees(write(tmp_path, "sep=;\nName;Company\nAna;Acme, Inc\n"))
    assert result.delimiter == ";"
    assert result.attendees[0].company == "Acme, Inc"


@pytest.mark.parametrize(
    ("encoding", "expected_label"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16-le"),  # Python writes a little-endian BOM
        ("utf-16-be-bom", "utf-16-be"),
    ],
)
def test_unicode_encodings(tmp_path: Path, encoding: str, expected_label: str) -> None:
    text = "Name,Company\r\nJosé Núñez,Énergie Verte\r\nZoë Ødegård,北京科技\r\n"
    path = tmp_path / "a.csv"
    if encoding == "utf-16-be-bom":
        path.write_bytes(b"\xfe\xff" + text.encode("utf-16-be"))
    else:
        path.write_bytes(text.encode(encoding))
    result = read_attendees(path)
    assert result.encoding == expected_label
    assert names(result) == ["José Núñez", "Zoë Ødegård"]
    assert result.attendees[1].company == "北京科技"
    # The BOM must not leak into the first header (which would lose the name column).
    assert result.mapping["name"] == "Name"


def test_cp1252_with_accented_names(tmp_path: Path) -> None:
    text = (
        "Full Name;Organisation;Notes\r\n"
        "José Núñez;Café Olé;Met at “Web Summit” – 2023\r\n"
        "Zoë Brontë;Ångström AB;\r\n"
    )
    path = tmp_path / "excel.csv"
    path.write_bytes(text.encode("cp1252"))
    result = read_attendees(path)
    assert result.encoding == "cp1252"
    assert names(result) == ["José Núñez", "Zoë Brontë"]
    assert result.attendees[0].company == "Café Olé"
    assert result.attendees[0].notes == "Met at “Web Summit” – 2023"


def test_bytes_input_is_accepted(tmp_path: Path) -> None:
    result = read_attendees("Name,Title\nAna,CTO\n".encode())
    assert names(result) == ["Ana"]
    assert result.attendees[0].title == "CTO"


def test_bomless_utf16_is_detected() -> None:
    result = read_attendees("Name,Title\r\nAna,CTO\r\n".encode("utf-16-le"))
    assert result.encoding == "utf-16-le"
    assert names(result) == ["Ana"]


# --------------------------------------------------------------------------
# Cells, headers and rows
# --------------------------------------------------------------------------


def test_quoted_line_break_inside_bio(tmp_path: Path) -> None:
    text = (
        'Name,Bio,Title\r\n'
        'Ana Silva,"First line of bio.\r\nSecond line, with comma.\r\n\r\nThird ""quoted"" line",CTO\r\n'
        "Ben Ode,Short bio,CEO\r\n"
    )
    result = read_attendees(write(tmp_path, text))
    assert names(result) == ["Ana Silva", "Ben Ode"]
    ana, ben = result.attendees
    assert ana.bio == 'First line of bio.\nSecond line, with comma.\n\nThird "quoted" line'
    assert ana.title == "CTO"
    # The multi-line cell is one record, so Ben is still data row 2.
    assert (ana.row, ben.row) == (1, 2)


def test_odd_header_spellings(tmp_path: Path) -> None:
    text = (
        "  FULL NAME ,Job Title,Organisation,About,LinkedIn URL,Comments\n"
        "  Ada   Lovelace ,  Analyst  , Engines Ltd ,  Writes programs ,https://linkedin.com/in/ada, met 2023 \n"
    )
    result = read_attendees(write(tmp_path, text))
    assert result.mapping == {
        "name": "FULL NAME",
        "title": "Job Title",
        "company": "Organisation",
        "bio": "About",
        "profile_url": "LinkedIn URL",
        "notes": "Comments",
    }
    assert result.attendees[0] == Attendee(
        name="Ada Lovelace",
        title="Analyst",
        company="Engines Ltd",
        bio="Writes programs",
        profile_url="https://linkedin.com/in/ada",
        notes="met 2023",
        row=1,
    )


@pytest.mark.parametrize(
    "headers",
    [
        "job_title,full_name,EMPLOYER,headline_extra",
        "Job-Title,FullName,Employer,x",
        "Position:,Attendee Name,Affiliation,x",
    ],
)
def test_header_punctuation_and_synonyms(tmp_path: Path, headers: str) -> None:
    result = read_attendees(write(tmp_path, f"{headers}\nCTO,Ana Silva,Acme,\n"))
    person = result.attendees[0]
    assert (person.name, person.title, person.company) == ("Ana Silva", "CTO", "Acme")


def test_first_and_last_name_columns(tmp_path: Path) -> None:
    text = "First Name,Surname,Role,Email\nJosé, Núñez ,CTO,j@example.com\nZoë,,Founder,z@example.com\n"
    result = read_attendees(write(tmp_path, text))
    assert names(result) == ["José Núñez", "Zoë"]
    assert result.mapping == {"first_name": "First Name", "last_name": "Surname", "title": "Role"}


def test_single_name_column_wins_but_first_last_fill_gaps(tmp_path: Path) -> None:
    # Luma-style export: name plus first/last.
    text = "name,first_name,last_name\nAna Silva,Ana,Silva\n,Ben,Ode\n"
    result = read_attendees(write(tmp_path, text))
    assert names(result) == ["Ana Silva", "Ben Ode"]


def test_row_without_name_is_skipped_and_reported(tmp_path: Path) -> None:
    text = "Name,Company\nAna,Acme\n  ,Orphan Corp\n,\n\nBen,Beta\n"
    result = read_attendees(write(tmp_path, text))
    assert names(result) == ["Ana", "Ben"]
    # Row 3 (",") and row 4 (blank line) are silently ignored; row numbers still count them.
    assert result.skipped == [(2, "no name")]
    assert [a.row for a in result.attendees] == [1, 5]


def test_duplicates_are_merged(tmp_path: Path) -> None:
    text = (
        "Name,Title,Company,Bio,Notes\n"
        "Ana Silva,CTO,,Builds batteries.,met in Lisbon\n"
        "Ben Ode,CEO,Beta,,\n"
        "  ana   SILVA ,Chief Technology Officer,Voltaic,Runs marathons.,met in Lisbon\n"
        "ANA SILVA,,,,likes jazz\n"
    )
    result = read_attendees(write(tmp_path, text))
    assert names(result) == ["Ana Silva", "Ben Ode"]
    ana = result.attendees[0]
    assert ana.row == 1
    assert ana.title == "CTO"  # first non-empty value kept
    assert ana.company == "Voltaic"  # empty field filled from the later row
    assert ana.bio == "Builds batteries. / Runs marathons."
    assert ana.notes == "met in Lisbon / likes jazz"  # identical note not repeated
    assert result.merged == [(3, "ana SILVA"), (4, "ANA SILVA")]


def test_explicit_mapping_overrides_guess(tmp_path: Path) -> None:
    text = "Name,Legal Name,Title,Job,Company\nAnnie,Ana Silva,Dr,CTO,Acme\n"
    guessed = read_attendees(write(tmp_path, text))
    assert (guessed.attendees[0].name, guessed.attendees[0].title) == ("Annie", "Dr")

    mapped = read_attendees(tmp_path / "attendees.csv", mapping={"name": "legal name", "title": "Job"})
    person = mapped.attendees[0]
    assert (person.name, person.title, person.company) == ("Ana Silva", "CTO", "Acme")
    assert mapped.mapping["name"] == "Legal Name"
    assert mapped.mapping["title"] == "Job"


def test_mapping_makes_an_unguessable_file_loadable(tmp_path: Path) -> None:
    path = write(tmp_path, "Who,What\nAna,CTO\n")
    result = read_attendees(path, mapping={"name": "Who", "title": "What"})
    assert result.attendees[0] == Attendee(name="Ana", title="CTO", row=1)


def test_missing_name_column_raises_helpful_error(tmp_path: Path) -> None:
    path = write(tmp_path, "Email,Job Title,Company\na@example.com,CTO,Acme\n")
    with pytest.raises(InputError) as info:
        read_attendees(path)
    text = str(info.value)
    assert "name column" in info.value.message
    for header in ("Email", "Job Title", "Company"):
        assert header in info.value.message
    assert "map" in info.value.hint.lower()
    assert info.value.hint in text
    assert isinstance(info.value, RapportError)


def test_mapping_to_missing_header_or_unknown_field_raises(tmp_path: Path) -> None:
    path = write(tmp_path, "Name,Title\nAna,CTO\n")
    with pytest.raises(InputError, match="Full Name"):
        read_attendees(path, mapping={"name": "Full Name"})
    with pytest.raises(InputError, match="email"):
        read_attendees(path, mapping={"email": "Name"})


def test_title_line_above_header_is_skipped(tmp_path: Path) -> None:
    text = "Attendee list - Climate Summit 2025\n\nName,Company\nAna,Acme\n"
    result = read_attendees(write(tmp_path, text))
    assert names(result) == ["Ana"]
    assert result.attendees[0].row == 1


@pytest.mark.parametrize(
    ("content", "needle"),
    [(b"", "empty"), (b"\n\n ,\n", "empty"), (b"PK\x03\x04rest-of-zip", "Excel")],
)
def test_unusable_files_raise_input_error(content: bytes, needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        read_attendees(content)


def test_missing_file_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_attendees(tmp_path / "nope.csv")


def test_header_only_file_gives_no_attendees(tmp_path: Path) -> None:
    result = read_attendees(write(tmp_path, "Name,Title\n"))
    assert result.attendees == [] and result.skipped == [] and result.merged == []


def test_thousand_rows_import(tmp_path: Path) -> None:
    lines = ["Name,Title,Company,Bio"]
    lines += [f'Person {i:04d},Engineer {i % 7},Company {i % 13},"Bio {i}, line one.\nLine two."' for i in range(1000)]
    result = read_attendees(write(tmp_path, "\n".join(lines) + "\n"))
    assert len(result.attendees) == 1000
    assert result.attendees[-1].row == 1000


# --------------------------------------------------------------------------
# Attendee helpers
# --------------------------------------------------------------------------


def test_attendee_key_and_note_text() -> None:
    assert Attendee(name="  José   NÚÑEZ ").key == "josé núñez"
    person = Attendee(name="José Núñez", title="CTO", bio="Builds\nbatteries", row=3)
    assert person.as_note_text() == "Name: José Núñez\nTitle: CTO\nBio: Builds\nbatteries"
    assert Attendee(name="Ana", profile_url="u", notes="n").as_note_text() == "Name: Ana\nProfile: u\nNotes: n"


# --------------------------------------------------------------------------
# Formula escaping on export
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil.example","click")', '\'=HYPERLINK("http://evil.example","click")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Ana Silva", "Ana Silva"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (0.5, "0.5"),
        (-0.25, "-0.25"),  # real numbers cannot carry formulas
        (3, "3"),
    ],
)
def test_escape_cell(value: object, expected: str) -> None:
    assert escape_cell(value) == expected


def test_write_ranking_csv_escapes_formulas(tmp_path: Path) -> None:
    rows = [
        {"rank": 1, "name": '=HYPERLINK("http://evil.example","click")', "title": "+1", "score": 0.9},
        {"rank": 2, "name": "@SUM(A1:A9)", "title": "-2", "score": -0.1},
        {"rank": 3, "name": "José Núñez", "title": "CTO, Voltaic", "score": 0.123},
    ]
    path = tmp_path / "ranking.csv"
    write_ranking_csv(rows, path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM so Excel shows accents
    with path.open(encoding="utf-8-sig", newline="") as handle:
        back = list(csv.reader(handle))
    assert back[0] == ["rank", "name", "title", "score"]
    assert back[1] == ["1", '\'=HYPERLINK("http://evil.example","click")', "'+1", "0.9"]
    assert back[2] == ["2", "'@SUM(A1:A9)", "'-2", "-0.1"]
    assert back[3] == ["3", "José Núñez", "CTO, Voltaic", "0.123"]


def test_written_ranking_reads_back_as_attendees(tmp_path: Path) -> None:
    path = tmp_path / "ranking.csv"
    write_ranking_csv([{"name": "Ana", "title": "CTO"}, {"name": "Ben", "company": "Beta"}], path)
    result = read_attendees(path)
    assert result.encoding == "utf-8-sig"
    assert [(a.name, a.title, a.company) for a in result.attendees] == [("Ana", "CTO", ""), ("Ben", "", "Beta")]


def test_write_ranking_csv_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    write_ranking_csv([], path)
    assert path.read_text(encoding="utf-8-sig") == ""
