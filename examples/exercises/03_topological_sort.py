"""Exercise 3: the topological sort that backward() runs first - without recursion.

Before the backward loop can run, the engine lists the nodes of the graph so that every
node comes AFTER all of its parents (its inputs). Walking that list in reverse then visits
every node after all of its children, so when a node's turn comes, every gradient it will
ever receive has arrived:

    x = a + b;  y = x * a          order: [a, b, x, y]   (or [b, a, x, y])
                                   backward visits y, x, b, a

A node is a Tensor (or a scalar Value) with
    node.parents        tuple of the input nodes (empty for a leaf)
    node.requires_grad  True if a gradient must reach it
Only follow parents that require grad: constants (data, numbers mixed in) get no gradient
and must not be in the list. Each node must appear exactly once, even when it is used
twice (b = a + a) or reached along two paths (the diamond above).

No recursion: a recursive depth-first search fails with RecursionError on a chain of a few
thousand nodes (Python allows about 1000 nested calls), and an RNN unrolled over 1000 time
steps is such a chain. Use an explicit stack instead:

    stack = [(root, False)]            # (node, are its parents done?)
    pop (node, done):
        done     -> append node to the order
        not done -> if not visited: mark it, push (node, True), then push its
                    requires-grad parents as (parent, False)

Task: write `topological_order(root)` returning a list of nodes (root last).

Check your answer:   tinygrad-rnn check 3
The checker builds graphs (a diamond, a reused node, constants, an unrolled RNN, a chain of
3000 nodes) and checks your list has every node once, no constants, and parents first.
Afterwards, read `topological_order` in tinygrad_rnn/graph.py.
"""


def topological_order(root):
    """Every node `root` depends on through requires-grad edges, each once, parents first.

    root  a Tensor or Value (e.g. the loss)
    Returns a list of nodes; root is the last one.
    """
    # Your code here: an explicit stack, a `visited` set, post-order (see above).
    raise NotImplementedError
