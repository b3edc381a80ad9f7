"""``keras.utils.plot_model`` and ``keras.utils.model_to_dot``: a model's layer graph drawn
by Graphviz, through pydot (an optional extra: ``pip install 'shenjing[plot-model]'``,
plus Graphviz's ``dot`` program).

One box per layer, ``name (Class)``, with its input and output shapes when asked; one
arrow per tensor passed between layers.  A functional model's graph is its own (the
nodes of ``keras.Input`` ... ``Model``), a Sequential is a chain, and a subclassed model,
whose wiring lives in code, is one box.  With ``expand_nested`` a model used as a layer
is drawn as a dashed cluster of its own layers.

    keras.utils.plot_model(model, "model.png", show_shapes=True)
"""

import html
import os

from ..io.atomic import atomic_path

EXTRA = "plot-model"


def _pydot():
    """The pydot module, or a one-line ImportError naming the extra."""
    try:
        import pydot
    except ImportError:
        raise ImportError(f"keras.utils.plot_model needs pydot: pip install "
                          f"'shenjing[{EXTRA}]' (and Graphviz's `dot` program)") from None
    return pydot


def _check_graphviz(pydot):
    """A clear error when Graphviz's ``dot`` program cannot be run."""
    try:
        pydot.Dot.create(pydot.Dot())
    except (OSError, getattr(pydot, "PydotException", OSError)) as e:
        raise OSError(f"keras.utils.plot_model needs Graphviz's `dot` program on the PATH "
                      f"(apt-get install graphviz, brew install graphviz or conda install "
                      f"graphviz; https://graphviz.org/download/): {e}") from None


def _is_graph(model):
    """Whether ``model`` is a functional model (a graph of layer calls)."""
    return hasattr(model, "_nodes") and hasattr(model, "inputs")


def _is_model(layer):
    from .models import Model            # keras.utils is imported by the models: no cycle
    return isinstance(layer, Model)


def _is_input(layer):
    from .layers.input_layer import InputLayer
    return isinstance(layer, InputLayer)


def _shape_text(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    return str(tuple(shape)) if not isinstance(shape, str) else shape


def _label(layer, options, input_shape=None, output_shape=None):
    """The HTML-like Graphviz label of a layer's box (Keras 3's table)."""
    name, kind = html.escape(str(layer.name)), html.escape(type(layer).__name__)
    title = f"<b>{name}</b> ({kind})" if options["show_layer_names"] else f"<b>{kind}</b>"
    cells = []
    if options["show_shapes"]:
        if not _is_input(layer):
            cells.append(f"Input shape: <b>{html.escape(_shape_text(input_shape))}</b>")
        cells.append(f"Output shape: <b>{html.escape(_shape_text(output_shape))}</b>")
    if options["show_dtype"]:
        cells.append(f"Output dtype: <b>{html.escape(str(getattr(layer, 'dtype', '?')))}</b>")
    if options["show_trainable"] and list(layer.parameters()):
        cells.append("<b>Trainable</b>" if layer.trainable else "<b>Non-trainable</b>")
    span = max(1, len(cells))
    rows = [f'<tr><td colspan="{span}" bgcolor="black"><font point-size="16" color="white">'
            f'{title}</font></td></tr>']
    activation = getattr(layer, "activation", None)
    if options["show_layer_activations"] and callable(activation):
        from .activations import serialize
        text = serialize(activation)
        text = text if isinstance(text, str) else getattr(activation, "__name__", str(text))
        rows.append(f'<tr><td colspan="{span}" bgcolor="white"><font point-size="14">'
                    f'Activation: <b>{html.escape(text)}</b></font></td></tr>')
    if cells:
        rows.append("<tr>" + "".join(f'<td bgcolor="white"><font point-size="14">{c}</font>'
                                     f'</td>' for c in cells) + "</tr>")
    return ('<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
            + "".join(rows) + "</table>>")


def _layer_graph(model):
    """(layers in order, edges as (from layer, to layer), {id: (input shape, output
    shape)}) of a functional model, a Sequential or (one box) a subclassed model."""
    if _is_graph(model):
        layers, edges, shapes = [], [], {}
        for tensor in model.inputs:
            layer = tensor.node.layer
            layers.append(layer)
            shapes[id(layer)] = (None, tensor.shape)
        for node in model._nodes:
            if all(layer is not node.layer for layer in layers):
                layers.append(node.layer)
            ins = [t.shape for t in node.inputs]
            outs = [t.shape for t in node.outputs]
            shapes.setdefault(id(node.layer), (ins[0] if len(ins) == 1 else ins,
                                               outs[0] if len(outs) == 1 else outs))
            for tensor in node.inputs:
                edge = (tensor.node.layer, node.layer)
                if all(e[0] is not edge[0] or e[1] is not edge[1] for e in edges):
                    edges.append(edge)
        return layers, edges, shapes
    if hasattr(model, "add") and hasattr(model, "input_spec"):        # Sequential
        layers = list(model.layers)
        spec = model.input_spec
        first = getattr(getattr(spec, "node", None), "layer", None)
        if _is_input(first):
            layers.insert(0, first)
        outputs = model._output_shapes() if model.built else {}
        before = getattr(model, "_build_input_shape", None)
        before = (None,) + tuple(before[1:]) if isinstance(before, tuple) else None
        shapes = {}
        for layer in layers:
            after = before if _is_input(layer) else outputs.get(layer.name)
            shapes[id(layer)] = (before, after)
            before = after
        return layers, list(zip(layers, layers[1:])), shapes
    return [model], [], {}


def _add_model(pydot, graph, model, options):
    """Add ``model``'s boxes and arrows to ``graph``; returns (entry ids, exit ids): the
    boxes an arrow into / out of the model joins."""
    layers, edges, shapes = _layer_graph(model)
    ends = {}
    for layer in layers:
        if options["expand_nested"] and _is_model(layer) and layer is not model:
            cluster = pydot.Cluster(f"cluster_{id(layer)}", label=html.escape(layer.name),
                                    style="dashed")
            ends[id(layer)] = _add_model(pydot, cluster, layer, options)
            graph.add_subgraph(cluster)
            continue
        node = pydot.Node(str(id(layer)), label=_label(layer, options,
                                                       *shapes.get(id(layer), (None, None))))
        node.set("fontname", "Helvetica")
        node.set("border", "0")
        node.set("margin", "0")
        graph.add_node(node)
        ends[id(layer)] = ([str(id(layer))], [str(id(layer))])
    for source, target in edges:
        for a in ends[id(source)][1]:
            for b in ends[id(target)][0]:
                edge = pydot.Edge(a, b)
                edge.set("penwidth", "2")
                graph.add_edge(edge)
    has_in = {id(t) for _, t in edges}
    has_out = {id(s) for s, _ in edges}
    entry = [n for layer in layers if id(layer) not in has_in for n in ends[id(layer)][0]]
    exit_ = [n for layer in layers if id(layer) not in has_out for n in ends[id(layer)][1]]
    return entry, exit_


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=200, subgraph=False,
                 show_layer_activations=False, show_trainable=False, **kwargs):
    """The graph of ``model``'s layers as a ``pydot.Dot`` (``subgraph``: a
    ``pydot.Cluster``), ready for ``.write(path, format=...)`` or ``.to_string()``."""
    splines = kwargs.pop("splines", "ortho")
    if kwargs:
        raise TypeError(f"model_to_dot: unexpected keyword arguments {sorted(kwargs)}")
    pydot = _pydot()
    options = dict(show_shapes=show_shapes, show_dtype=show_dtype,
                   show_layer_names=show_layer_names, expand_nested=expand_nested,
                   show_layer_activations=show_layer_activations,
                   show_trainable=show_trainable)
    if subgraph:
        graph = pydot.Cluster(f"cluster_{id(model)}", label=html.escape(model.name),
                              style="dashed")
    else:
        graph = pydot.Dot()
        graph.set("rankdir", rankdir)
        graph.set("concentrate", True)
        graph.set("dpi", dpi)
        graph.set("splines", splines)
        graph.set_node_defaults(shape="record")
    _add_model(pydot, graph, model, options)
    return graph


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, **kwargs):
    """Draw ``model``'s layer graph into ``to_file`` (the format from its extension:
    ``.png`` (default), ``.svg``, ``.pdf``, ``.dot``, ...), written atomically.  Needs pydot
    (``shenjing[plot-model]``) and Graphviz's ``dot``.  Returns an ``IPython.display.Image``
    of a PNG where IPython is installed, else None."""
    if not getattr(model, "built", False):
        raise ValueError(f"plot_model: the model {getattr(model, 'name', model)!r} has not been "
                         f"built yet; call it on a batch, or give its input shape "
                         f"(keras.Input or input_shape=)")
    pydot = _pydot()
    _check_graphviz(pydot)
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable, **kwargs)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:].lower() or "png"
    with atomic_path(to_file) as tmp:
        dot.write(tmp, format="raw" if extension == "dot" else extension)
    if extension == "png":
        try:
            from IPython import display
        except ImportError:
            return None
        return display.Image(filename=to_file)
    return None
