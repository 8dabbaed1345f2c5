"""The language server (`sibc lsp`): the editor's view of the same pipeline `sibc check` runs.

Like the CLI it is a driver, not a phase: it calls the compiler, the formatter and the
analysis, and no phase imports it. `document.py` holds one open document's compiled state
and the pure features (hover, definition, completion, ...), `names.py` which kind of name the
grammar expects at the cursor (for completion), `positions.py` the conversion between spans
and LSP positions, and `server.py` wires them to pygls.
"""
