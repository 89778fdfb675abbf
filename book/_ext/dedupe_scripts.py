"""Sphinx extension: drop duplicate <script> entries from every page.

Under Jupyter Book 1.x, sphinx-thebe registers its inline configuration script twice, so every page
declares `const THEBE_JS_URL` twice and the browser logs "Identifier 'THEBE_JS_URL' has already been
declared". Keeping the first copy of each identical script removes the error; nothing else changes.
"""


def _dedupe(app, pagename, templatename, context, doctree):
    seen, kept = set(), []
    for script in context.get("script_files", []):
        # inline scripts come with filename '' or None: both mean "no file"
        name = getattr(script, "filename", script) or ""
        key = (
            str(name),
            tuple(
                sorted(
                    (k, str(v)) for k, v in getattr(script, "attributes", {}).items()
                )
            ),
        )
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def setup(app):
    app.connect(
        "html-page-context", _dedupe, priority=1000
    )  # after every other extension has added its scripts
    return {"parallel_read_safe": True, "parallel_write_safe": True}
