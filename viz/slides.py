"""Will a picture fit on a slide? Its aspect ratio and its smallest text on a 1920×1080 slide.

    fit = viz.slides.measure_svg("bptt.svg")
    fit.aspect          # width / height, e.g. 1.78 for 16:9
    fit.smallest_px     # the smallest font size, in px, once scaled to fit the slide
    fit.fits            # 4:3 <= aspect <= 21:9 and smallest_px >= 12

The rule (issue 18): a picture goes on a 16:9 slide, 1920×1080 px, as large as it fits,
keeping its shape: scale = min(1920 / width, 1080 / height). A text of font size f (in the
SVG's own units, times any scale(...) transform around it) is then f × scale px tall on
the slide, and must be at least 12 px; the picture's width / height must lie between 4:3
and 21:9, or most of the slide is empty. Width and height are the viewBox's (the SVG's
own units; the width="..pt" attributes only say how big to show it, which cancels out).

Read next: layout.py (how a picture is made to fit: the rows and the slides theme).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

SLIDE_WIDTH, SLIDE_HEIGHT = 1920, 1080
MIN_ASPECT, MAX_ASPECT = 4 / 3, 21 / 9
MIN_TEXT_PX = 12.0
DEFAULT_FONT_SIZE = 14.0  # graphviz's default fontsize, when a text names none
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


@dataclass(frozen=True)
class SlideFit:
    """The picture's size (SVG units), aspect ratio and smallest text on a slide."""

    width: float
    height: float
    smallest_font: float  # in SVG units, transforms applied
    scale: float  # min(1920 / width, 1080 / height)

    @property
    def aspect(self) -> float:
        return self.width / self.height

    @property
    def smallest_px(self) -> float:
        return self.smallest_font * self.scale

    @property
    def aspect_ok(self) -> bool:
        return MIN_ASPECT - 1e-9 <= self.aspect <= MAX_ASPECT + 1e-9

    @property
    def text_ok(self) -> bool:
        return self.smallest_px >= MIN_TEXT_PX - 1e-9

    @property
    def fits(self) -> bool:
        return self.aspect_ok and self.text_ok

    def describe(self) -> str:
        """E.g. '8892×1320, aspect 6.74:1, smallest text 2.6 px on a 1920×1080 slide'."""
        return (
            f"{self.width:.0f}×{self.height:.0f}, aspect {self.aspect:.2f}:1, smallest text "
            f"{self.smallest_px:.1f} px on a {SLIDE_WIDTH}×{SLIDE_HEIGHT} slide"
        )


def slide_scale(width: float, height: float) -> float:
    """How much a width×height picture is scaled to fit 1920×1080 keeping its shape."""
    return min(SLIDE_WIDTH / width, SLIDE_HEIGHT / height)


def measure_svg(source) -> SlideFit:
    """Measure an SVG given as a path, bytes or text (see the module docstring)."""
    is_text = isinstance(source, str) and source.lstrip().startswith("<")
    if isinstance(source, Path) or (isinstance(source, str) and not is_text):
        source = Path(source).read_bytes()
    if isinstance(source, str):
        source = source.encode("utf-8")
    root = ET.fromstring(source)
    width, height = svg_size(root)
    return SlideFit(width, height, smallest_font(root), slide_scale(width, height))


def svg_size(root: ET.Element) -> tuple[float, float]:
    """Width and height in the SVG's own units: the viewBox's, else width/height."""
    view_box = root.get("viewBox")
    if view_box:
        numbers = [float(n) for n in re.findall(_NUMBER, view_box)]
        if len(numbers) == 4 and numbers[2] > 0 and numbers[3] > 0:
            return numbers[2], numbers[3]
    width, height = root.get("width"), root.get("height")
    if not width or not height:
        raise ValueError("measure_svg: the SVG has neither a viewBox nor width and height")
    return _length(width), _length(height)


def _length(text: str) -> float:
    """'603pt' -> 603.0 (the unit cancels out in the slide scale)."""
    match = re.match(_NUMBER, text.strip())
    if match is None:
        raise ValueError(f"measure_svg: cannot read the length {text!r}")
    return float(match.group())


def transform_scale(transform: str | None) -> float:
    """The vertical scale of an SVG transform list: the product of its scale(sx [sy]) and
    matrix(a b c d e f) parts (d for a matrix); translate and rotate(0) scale nothing."""
    factor = 1.0
    for name, arguments in re.findall(r"(scale|matrix)\s*\(([^)]*)\)", transform or ""):
        numbers = [float(n) for n in re.findall(_NUMBER, arguments)]
        if name == "scale" and numbers:
            factor *= abs(numbers[1] if len(numbers) > 1 else numbers[0])
        elif name == "matrix" and len(numbers) == 6:
            factor *= abs(numbers[3])
    return factor


def font_size_of(element: ET.Element, inherited: float) -> float:
    """The element's font-size attribute (or style="font-size: ..."), else `inherited`."""
    size = element.get("font-size")
    if size is None:
        match = re.search(r"font-size\s*:\s*([^;]+)", element.get("style", ""))
        size = match.group(1) if match else None
    return _length(size) if size else inherited


def smallest_font(root: ET.Element) -> float:
    """The smallest font size of any non-empty <text>, times the scale of the transforms
    around it. A walk with an explicit stack (no recursion): (element, scale, font size)."""
    smallest = float("inf")
    stack = [(root, 1.0, DEFAULT_FONT_SIZE)]
    while stack:
        element, scale, size = stack.pop()
        scale *= transform_scale(element.get("transform"))
        size = font_size_of(element, size)
        if element.tag.rsplit("}", 1)[-1] == "text" and "".join(element.itertext()).strip():
            smallest = min(smallest, size * scale)
        stack.extend((child, scale, size) for child in element)
    return smallest  # inf when there is no text: nothing to read, nothing too small
