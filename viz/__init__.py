"""viz: pictures of tinygrad_rnn graphs - the unrolled BPTT graph and the gradient flow.

    import viz
    loss.backward()
    g = viz.draw(loss, detail="ops", grads=True, highlight="cell_state")  # graphviz.Digraph
    viz.render(loss, "bptt.svg", detail="cells")     # format from the extension
    print(viz.gradient_flow(loss))                    # ‖∂L/∂h_t‖, ‖∂L/∂c_t‖ per t

Three separate steps, one file each:
    extract.py   the graph -> plain data (boxes, arrows, clusters, gradient norms),
                 from small files: data, numbers, walk, boxes, arrows, chains, shared
    dot.py       plain data -> graphviz.Digraph; `draw` (styles.py: arrow colours and
                 widths, the legend; shared weights copied into each step beyond 3
                 steps by shared.py; placement.py: where the parameters and the
                 legend go)
    render.py    Digraph -> file, via backend.py (system `dot`, else `graphviz-pure`)
with layout.py (a long unroll wrapped into rows near 16:9; the themes "default" and
"slides": `viz.draw(loss, theme="slides")`) and slides.py (does a picture fit a 1920×1080
slide? `viz.measure_svg("bptt.svg").fits`: aspect 4:3..21:9, text at least 12 px),
and flow.py for the per-time-step gradient table and plot (`tinygrad-rnn vanishing`,
in tinygrad_rnn/commands/vanishing.py, draws the README's RNN / GRU / LSTM comparison
with it); heatmap.py draws attention weights (`viz.attention_heatmap`); player.py
writes the step-through page of the backward pass (`viz.player`; player_record.py records
each step, player_boxes.py groups them by box at detail="cells").

viz imports tinygrad_rnn; the engine never imports viz.

Read next: extract.py.
"""

from .backend import find_renderer, render_source
from .dot import VizDigraph, draw, to_digraph
from .errors import RenderError, VizError
from .extract import DETAILS, GraphData, extract
from .flow import GradientFlow, gradient_flow, plot_gradient_flow
from .heatmap import attention_heatmap
from .player import player
from .render import render
from .slides import SlideFit, measure_svg

__all__ = [
    "DETAILS",
    "GradientFlow",
    "GraphData",
    "RenderError",
    "SlideFit",
    "VizDigraph",
    "VizError",
    "attention_heatmap",
    "draw",
    "extract",
    "find_renderer",
    "gradient_flow",
    "measure_svg",
    "player",
    "plot_gradient_flow",
    "render",
    "render_source",
    "to_digraph",
]
