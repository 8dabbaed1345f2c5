"""The rendered HTML schedule, printed by a real headless browser (issue 12, item 2).

Chromium prints the HTML of a contract's schedule to a PDF (A4, the CSS paged media of
sibdsl/render/html.py) and takes a PNG screenshot; the test checks that the PDF has pages
and, with poppler's `pdftotext`, that the printed text holds the contract's title, every
outcome title of its rate card and the page footer; and that the screenshot is a real
image. It skips, saying why, only where Chromium is not installed (`.ci/run` installs it with
poppler-utils where it runs as root with apt-get).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sibdsl.compiler import compile_file
from sibdsl.render.html import write_html
from sibdsl.render.schedule import build_schedule

ROOT = Path(__file__).resolve().parents[1]
GM = ROOT / "contracts" / "mhclg-greater-manchester-rough-sleeping.sib"
CHROMIUM = next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--no-pdf-header-footer"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium "
                                                         "poppler-utils; .ci/run does this in CI)")


def _html(tmp_path: Path) -> Path:
    model = compile_file(GM).model
    assert model is not None
    page = tmp_path / "schedule.html"
    page.write_text(write_html(build_schedule(model)), encoding="utf-8")
    return page


def _chromium(tmp_path: Path, *args: str) -> None:
    assert CHROMIUM is not None
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args], check=True,
                   capture_output=True, timeout=120)


def test_chromium_prints_the_schedule_to_a_pdf_with_the_rate_card(tmp_path: Path) -> None:
    page = _html(tmp_path)
    pdf = tmp_path / "schedule.pdf"
    _chromium(tmp_path, f"--print-to-pdf={pdf}", page.as_uri())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    assert pages >= 4, pages
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF's pages were counted, its text not read")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout
    flat = " ".join(text.split())
    model = compile_file(GM).model
    assert model is not None
    assert "Schedule: Outcomes Payment Mechanism" in flat
    for outcome in model.outcomes:
        assert " ".join(outcome.title.split()[:3]) in flat, outcome.title  # a long title may wrap in its cell
    assert "GBP 19,000.00" in flat  # the worked example's total, printed
    assert re.search(r"Page 2 of \d+", flat), "the page footer of the @page rule"


def test_chromium_screenshots_the_schedule(tmp_path: Path) -> None:
    page = _html(tmp_path)
    png = tmp_path / "schedule.png"
    _chromium(tmp_path, f"--screenshot={png}", "--window-size=1000,1400", page.as_uri())
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000
