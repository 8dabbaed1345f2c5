"""Phase 6, rendering the contract as documents: the payment schedule for signing (Markdown,
HTML, DOCX) and the easy-read version for participants, built from the compiled model (and
worked examples settled by the engine), never from retyped figures. `document.py` is the
small document IR every writer reads."""
