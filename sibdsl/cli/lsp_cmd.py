"""`sibc lsp`: start the language server over standard input and output (docs/editing.md).

Input: LSP messages from an editor on stdin. Output: LSP messages on stdout. pygls and the
server load only here, so no other command pays for them.
"""

from __future__ import annotations

import click

from sibdsl.cli.common import guarded


@click.command(name="lsp")
@click.option("--stdio", is_flag=True, help="Talk over standard input and output (the default and only transport; "
              "accepted because editors pass it).")
@guarded
def lsp(stdio: bool) -> None:
    """Run the sibdsl language server for an editor (VS Code, Neovim, Emacs, Helix, ...).

    The editor starts `sibc lsp` and talks the Language Server Protocol over standard input
    and output. As you type: the diagnostics `sibc check` gives (same codes, ranges, hints),
    hovers with each outcome's and payer's figures, go to definition, find references,
    rename, completion, formatting (`sibc fmt`), quick fixes from hints, the outline, folding
    and semantic highlighting. On save, the exact analysis runs in the background.
    """
    _ = stdio
    from sibdsl.lsp.server import main

    main()
