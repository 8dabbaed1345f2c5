"""Drive a running code-server (a real VS Code in the browser) with the sibdsl extension
installed, as a user would, and check what the user sees in a .sib file:

1. syntax colours: the editor's tokens (.mtk* spans) come in several different colours;
2. a squiggle with a hint: misspelling a name draws an error squiggle whose hover says
   "did you mean";
3. a hover with figures on an outcome name (a money amount in the contract's currency);
4. completion of an outcome name in the suggest widget.

Takes a PNG screenshot of each. Nothing is saved: the edits stay in the editor's buffer.

    python drive.py --url http://127.0.0.1:8917/ --folder /work/main/contracts --out DIR

Needs Playwright (PyPI `playwright`) and a Chromium; no browser download: it runs the
Chromium given by --chromium (default /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

FILE = "kirklees-better-outcomes.sib"
OUTCOME = "accommodation_secured"  # declared on line 61, referenced on line 68 ("after ...")
DECLARED_ON = 61
REFERENCED_ON = 68

results: dict[str, object] = {}
failures: list[str] = []


def check(name: str, ok: bool, seen: object) -> None:
    results[name] = {"ok": ok, "seen": seen}
    print(f"[{'PASS' if ok else 'FAIL'}] {name}: {json.dumps(seen, ensure_ascii=False)[:600]}")
    if not ok:
        failures.append(name)


def wait_for(page: Page, js: str, timeout: float = 30.0, arg: object = None) -> object:
    """Poll a JS expression until it returns something truthy; return it (or the last value)."""
    deadline = time.time() + timeout
    value = None
    while time.time() < deadline:
        value = page.evaluate(js, arg)
        if value:
            return value
        time.sleep(0.25)
    return value


def go_to_line(page: Page, line: int, column: int | None = None) -> None:
    page.keyboard.press("Control+g")
    page.wait_for_selector(".quick-input-widget:visible", timeout=10000)
    page.keyboard.type(f"{line}:{column}" if column else str(line))
    page.keyboard.press("Enter")
    time.sleep(0.5)


def scroll_line_to_top(page: Page, line: int) -> None:
    """Bring `line` near the top of the editor: from line 1, jumping to a line out of view
    centres it, so jump to one about half a screen below `line`."""
    page.keyboard.press("Control+Home")
    time.sleep(0.3)
    go_to_line(page, line + 15)


def span_box(page: Page, line_starts: str, text: str) -> dict | None:
    """The box of the span with exactly `text` in the rendered editor line starting with
    `line_starts` (after indentation)."""
    return page.evaluate(
        """([start, text]) => {
            for (const row of document.querySelectorAll('.monaco-editor .view-lines .view-line')) {
                if (!row.textContent.replace(/\\u00a0/g, ' ').trim().startsWith(start)) continue;
                for (const s of row.querySelectorAll('span > span')) {
                    if (s.textContent === text) {
                        const r = s.getBoundingClientRect();
                        return {x: r.x, y: r.y, width: r.width, height: r.height};
                    }
                }
            }
            return null;
        }""",
        [line_starts, text],
    )


def hover_text(page: Page) -> str:
    return page.evaluate(
        """() => {
            const hs = [...document.querySelectorAll('.monaco-hover')].filter(h =>
                !h.classList.contains('hidden') && h.offsetParent !== null && h.innerText.trim());
            return hs.map(h => h.innerText).join('\\n---\\n');
        }"""
    ) or ""


def move_away(page: Page) -> None:
    page.mouse.move(5, 400)
    page.keyboard.press("Escape")
    time.sleep(0.7)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:8917/")
    ap.add_argument("--folder", default="/work/main/contracts")
    ap.add_argument("--out", default="/work/main/docs/images")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--json", help="write the results here as JSON")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 720})
        page.goto(f"{args.url.rstrip('/')}/?folder={args.folder}")
        page.wait_for_selector(".monaco-workbench", timeout=90000)
        page.wait_for_selector(".explorer-folders-view .monaco-list-row", timeout=60000)
        time.sleep(2)

        # open the contract with Quick Open, as a user would
        page.keyboard.press("Control+p")
        page.wait_for_selector(".quick-input-widget:visible", timeout=10000)
        page.keyboard.type(FILE)
        time.sleep(1.5)
        page.keyboard.press("Enter")
        page.wait_for_selector(".monaco-editor .view-lines .view-line", timeout=30000)
        # the language mode in the status bar, and the server's first diagnostics and analysis
        mode = wait_for(page, """() => [...document.querySelectorAll('.statusbar-item')]
            .map(e => e.innerText).find(t => t.includes('SIB contract')) || ''""", 30)
        check("language mode", mode == "SIB contract", mode)
        time.sleep(6)  # activation, `sibc lsp` start, semantic tokens, background analysis

        # ---------------------------------------------------------------- 1. syntax colours
        scroll_line_to_top(page, 31)  # the header, parties and cohort: code rather than comments
        go_to_line(page, 47)  # an empty line in view: no word under the cursor to highlight
        time.sleep(1)
        colours = page.evaluate(
            """() => {
                const by = {};
                for (const s of document.querySelectorAll('.monaco-editor .view-lines .view-line span > span')) {
                    const t = s.textContent.trim();
                    if (!t) continue;
                    const c = getComputedStyle(s).color;
                    (by[c] = by[c] || []).length < 4 && by[c].push(t);
                }
                return by;
            }"""
        )
        named = {
            word: page.evaluate(
                """(word) => { for (const s of document.querySelectorAll('.monaco-editor .view-lines span > span'))
                    if (s.textContent === word) return s.className + ' ' + getComputedStyle(s).color; return null; }""",
                word,
            )
            for word in ("payer", "kirklees", "GBP", "cohort")
        }
        check("1 syntax colours", len(colours) >= 4, {"distinct colours": len(colours), "samples": colours,
                                                         "tokens": named})
        page.screenshot(path=str(out / "vscode-highlighting.png"))

        # ---------------------------------------------------------------- 3. hover with figures
        scroll_line_to_top(page, DECLARED_ON - 3)
        box = span_box(page, f"outcome {OUTCOME}", OUTCOME)
        text = ""
        for _ in range(3 if box else 0):  # the analysis's figures come some seconds after opening
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            text = str(wait_for(page, """() => { const hs = [...document.querySelectorAll('.monaco-hover')]
                .filter(h => !h.classList.contains('hidden') && h.offsetParent !== null);
                const t = hs.map(h => h.innerText).join('\\n');
                return /GBP [\\d,]+\\.\\d\\d/.test(t) && /costliest route/.test(t) ? t : ''; }""", 10)
                or hover_text(page))
            if "costliest route" in text:
                break
            move_away(page)
        # figures the server works out (formatted with pence), not the source text ("pays GBP 600")
        money = re.findall(r"GBP [\d,]+\.\d\d", text)
        check("3 hover with figures", bool(box) and OUTCOME in text and bool(money) and "costliest route" in text,
              {"hover text": text.strip(), "figures": money})
        page.screenshot(path=str(out / "vscode-hover.png"))
        move_away(page)

        # ---------------------------------------------------------------- 4. completion
        page.keyboard.press("Control+End")
        page.keyboard.press("End")
        page.keyboard.press("Enter")
        page.keyboard.type("assert acc", delay=60)
        time.sleep(0.5)
        page.keyboard.press("Control+Space")
        labels = wait_for(page, """() => { const w = document.querySelector('.editor-widget.suggest-widget.visible');
            if (!w) return null; const ls = [...w.querySelectorAll('.monaco-list-row .label-name')].map(e => e.innerText);
            return ls.length ? ls : null; }""", 20) or []
        details = page.evaluate("""() => [...document.querySelectorAll('.editor-widget.suggest-widget.visible .monaco-list-row')]
            .map(r => r.getAttribute('aria-label'))""")
        check("4 completion of an outcome name", OUTCOME in (labels or []),
              {"suggestions": labels, "aria-labels": details})
        page.screenshot(path=str(out / "vscode-completion.png"))
        page.keyboard.press("Escape")
        for _ in range(4):  # take back the typed line
            page.keyboard.press("Control+z")
        time.sleep(0.5)

        # ---------------------------------------------------------------- 2. squiggle with a hint
        # "  after accommodation_secured ..." on line 68: delete the second "m" (column 14)
        go_to_line(page, REFERENCED_ON, 14)
        page.keyboard.press("Delete")
        wrong = OUTCOME.replace("mm", "m", 1)
        squiggle = wait_for(page, """() => { const s = document.querySelector(
            '.monaco-editor .view-overlays .squiggly-error, .monaco-editor .view-overlays [class*="squiggly-error"]');
            if (!s) return null; const r = s.getBoundingClientRect();
            return {cls: s.className, x: r.x, y: r.y, width: r.width, height: r.height}; }""", 30)
        scroll_line_to_top(page, REFERENCED_ON - 12)
        go_to_line(page, REFERENCED_ON, 14)
        time.sleep(0.5)
        box = span_box(page, f"after {wrong}", wrong)
        text = ""
        if box:
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            text = str(wait_for(page, """() => { const hs = [...document.querySelectorAll('.monaco-hover')]
                .filter(h => !h.classList.contains('hidden') && h.offsetParent !== null);
                const t = hs.map(h => h.innerText).join('\\n');
                return /did you mean/i.test(t) ? t : ''; }""", 20) or hover_text(page))
        problems = page.evaluate("""() => [...document.querySelectorAll('.statusbar-item')]
            .map(e => e.getAttribute('aria-label') || '').filter(t => /error|warning/i.test(t))""")
        check("2 squiggle with a hint", bool(squiggle) and "did you mean" in text.lower() and OUTCOME in text,
              {"squiggle": squiggle, "hover text": text.strip(), "status bar": problems})
        page.screenshot(path=str(out / "vscode-diagnostic.png"))
        move_away(page)

        # ---------------------------------------------------------------- 2b. the hint's quick fix
        go_to_line(page, REFERENCED_ON, 14)
        page.keyboard.press("Control+.")
        actions = wait_for(page, """() => { const m = document.querySelector('.action-widget');
            if (!m || m.offsetParent === null) return null;
            const t = [...m.querySelectorAll('.monaco-list-row')].map(r => r.innerText.trim()).filter(Boolean);
            return t.length ? t : null; }""", 15) or []
        fix = f"Replace with '{OUTCOME}'"
        applied = False
        if any(fix in a for a in actions):
            page.keyboard.press("Enter")  # the preferred fix is the one selected
            applied = bool(wait_for(page, """(word) => [...document.querySelectorAll(
                '.monaco-editor .view-lines .view-line')].some(r => r.textContent.replace(/\\u00a0/g, ' ')
                .trim().startsWith('after ' + word)) && !document.querySelector('.monaco-editor .squiggly-error')""",
                20, OUTCOME))
        time.sleep(1)
        problems = page.evaluate("""() => [...document.querySelectorAll('.statusbar-item')]
            .map(e => e.getAttribute('aria-label') || '').filter(t => /problems|errors|warnings|infos/i.test(t))""")
        check("2b quick fix from the hint", applied, {"actions": actions, "applied and squiggle gone": applied,
                                                      "status bar after the fix": problems})
        browser.close()

    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"{len(results) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
