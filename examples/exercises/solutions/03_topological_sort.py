"""Exercise 3 - solution: the iterative topological sort.

Compare with `topological_order` in tinygrad_rnn/graph.py (the same walk).
"""


def topological_order(root):
    """Every node `root` depends on through requires-grad edges, parents before children."""
    order = []
    visited = set()
    stack = [(root, False)]  # (node, are its parents done?)
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)  # post-order: after all of its parents
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))  # come back to it once its parents are listed
        for parent in reversed(node.parents):
            if parent.requires_grad and parent not in visited:
                stack.append((parent, False))
    return order
