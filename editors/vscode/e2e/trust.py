"""The extension's workspace-trust promise, in a real VS Code (code-server): a workspace whose
own .vscode/settings.json sets sibdsl.path to a program that is not sibc.

- not trusted (Restricted Mode): that workspace setting is ignored, the user's sibdsl.path
  runs, and diagnostics appear;
- trusted: the workspace's setting is used, `sibc lsp` cannot start, and the one error
  message "sibc lsp not found ..." with its "Open Settings" button is shown.

    python trust.py --url http://127.0.0.1:8918/ --folder WORKSPACE --trust no|yes

run.sh starts a fresh code-server profile for each answer (VS Code remembers the choice).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from playwright.sync_api import sync_playwright


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--folder", required=True)
    ap.add_argument("--trust", choices=["yes", "no"], required=True)
    ap.add_argument("--file", default="kirklees-better-outcomes.sib")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--screenshot")
    args = ap.parse_args()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 720})
        page.goto(f"{args.url.rstrip('/')}/?folder={args.folder}")
        page.wait_for_selector(".monaco-workbench", timeout=90000)
        want = "yes, i trust" if args.trust == "yes" else "don't trust"
        button = None
        for _ in range(60):
            button = next((b for b in page.query_selector_all(".monaco-dialog-box .monaco-button")
                           if want in b.inner_text().lower()), None)
            if button:
                break
            time.sleep(0.5)
        if button is None:
            print("[FAIL] no workspace trust dialog")
            return 1
        button.click()
        time.sleep(2)
        page.keyboard.press("Control+p")
        page.wait_for_selector(".quick-input-widget:visible", timeout=10000)
        page.keyboard.type(args.file)
        time.sleep(1.5)
        page.keyboard.press("Enter")
        page.wait_for_selector(".monaco-editor .view-lines .view-line", timeout=30000)

        def seen() -> dict:
            return page.evaluate("""() => ({
                restricted: [...document.querySelectorAll('.statusbar-item')].some(e => e.innerText.includes('Restricted Mode')),
                problems: [...document.querySelectorAll('.statusbar-item')].map(e => e.getAttribute('aria-label') || '')
                    .filter(t => /^(No Problems|Errors:|Warnings:|Infos:)/.test(t) || /Errors: \\d/.test(t)),
                notifications: [...document.querySelectorAll('.notification-list-item')].map(e => e.innerText),
            })""")

        ok = False
        state: dict = {}
        for _ in range(60):
            state = seen()
            if args.trust == "no":
                # the proven assertions of the contract are notes ("Infos: 4"): the real sibc ran
                ok = state["restricted"] and any("Infos: " in t and "Infos: 0" not in t for t in state["problems"])
            else:
                ok = not state["restricted"] and any("sibc lsp not found" in n and "Open Settings" in n
                                                     for n in state["notifications"])
            if ok:
                break
            time.sleep(0.5)
        if args.screenshot:
            page.screenshot(path=args.screenshot)
        name = "untrusted: workspace sibdsl.path ignored" if args.trust == "no" else \
            "trusted: workspace sibdsl.path used, one 'not found' message"
        print(f"[{'PASS' if ok else 'FAIL'}] {name}: {json.dumps(state, ensure_ascii=False)}")
        browser.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
