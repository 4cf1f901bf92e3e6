"""What the browser would receive from an AppTest run, as text: for asserting that a secret never reaches a page.

Imported by the tests in this folder (pytest puts a test file's folder on sys.path)."""

from __future__ import annotations


def element_text(node, *, skip_keys: tuple[str, ...] = ()) -> str:
    """Every element's protobuf under `node` (an AppTest tree, or `at.sidebar`) as text, leaving out the
    elements keyed in `skip_keys`."""
    parts = []

    def walk(n) -> None:
        proto = getattr(n, "proto", None)
        if proto is not None and getattr(n, "key", None) not in skip_keys:
            parts.append(str(proto))
        for child in getattr(n, "children", {}).values():
            walk(child)

    walk(node)
    return "\n".join(parts)
