"""QR codes drawn on the server as inline SVG: no JavaScript, no image request that could leak what they hold."""
from __future__ import annotations

import io

import segno
from markupsafe import Markup


def qr_svg(text: str, title: str) -> Markup:
    """``text`` (an otpauth:// URI) as an SVG element; ``title`` is what screen readers announce."""
    code = segno.make(text, error="m", micro=False)
    out = io.BytesIO()
    # A white quiet zone around dark modules: phone cameras need the contrast, whatever the page's colours.
    code.save(out, kind="svg", xmldecl=False, svgns=True, scale=5, border=4, dark="#000", light="#fff",
              title=title, svgclass="qr-code", lineclass=None)
    return Markup(out.getvalue().decode())
