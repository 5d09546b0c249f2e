"""Parses a Graphviz dot file with pydot and prints `digraph N`: the graph's
type and how many nodes it declares, in every subgraph. Fails when the text
does not parse, or when an attribute is one pipewright never writes (pydot
reads a label's leaked quote as more attributes rather than refusing it).
"""
import sys

import pydot

KNOWN = {"label", "shape", "style", "fontname", "fontsize", "rankdir"}


def walk(graph):
    yield graph
    for sub in graph.get_subgraphs():
        yield from walk(sub)


graphs = pydot.graph_from_dot_file(sys.argv[1])
assert graphs and len(graphs) == 1, "does not parse"
nodes = 0
for g in walk(graphs[0]):
    items = [g] + g.get_nodes() + g.get_edges()
    for item in items:
        unknown = set(item.get_attributes()) - KNOWN
        assert not unknown, f"does not parse as written: attributes {sorted(unknown)}"
    nodes += len([n for n in g.get_nodes() if n.get_name() not in ("node", "edge", "graph")])
print(graphs[0].get_type(), nodes)
