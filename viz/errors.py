"""The exceptions viz raises: a picture that cannot be drawn or written is explained.

Both inherit from tinygrad_rnn's `TinygradError` (and from the matching built-in), so
`except ValueError:` / `except RuntimeError:` keep working.

Read next: extract.py (the first of the three steps: graph -> plain data).
"""

from tinygrad_rnn.errors import TinygradError


class VizError(TinygradError, ValueError):
    """A graph that cannot be drawn as asked: a leaf as root, too many nodes, no h_t ..."""


class RenderError(TinygradError, RuntimeError):
    """The picture could not be written: no Graphviz renderer, unsupported format, ..."""
