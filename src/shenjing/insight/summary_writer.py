"""``SummaryWriter``: scalars, histograms and a model's graph in TensorBoard's event format,
written through ``tensorboard``'s own event-file writer (the ``tensorboard`` extra), so that
``tensorboard --logdir runs`` shows shenjing runs.  The PyTorch face's way::

    writer = insight.SummaryWriter("runs/mlp")
    writer.add_scalar("loss", loss.item(), step)
    writer.add_histogram("fc1.weight", model.fc1.weight, step)
    writer.add_graph(model); writer.close()

Event files grow as training runs (TensorBoard reads them live), so they are appended to,
not written in one atomic move; each record is framed and checksummed by the writer.
"""

import time

import numpy

EXTRA = "tensorboard"


def _tensorboard():
    try:
        from tensorboard.compat.proto import (event_pb2, graph_pb2, node_def_pb2, summary_pb2,
                                              versions_pb2)
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError:
        raise ImportError(f"insight.SummaryWriter needs tensorboard: pip install "
                          f"'shenjing[{EXTRA}]'") from None
    return EventFileWriter, event_pb2, graph_pb2, node_def_pb2, summary_pb2, versions_pb2


def _array(values):
    values = getattr(values, "array", values)          # a Tensor's array
    return numpy.asarray(getattr(values, "get", lambda: values)(), dtype=numpy.float64)


class SummaryWriter:
    """Appends summaries to an event file in ``log_dir`` (made if missing).

    ``add_scalar(tag, value, step)``, ``add_histogram(tag, values, step, bins=30)``,
    ``add_graph(model)``, ``flush()``, ``close()``; also a context manager."""

    def __init__(self, log_dir="runs", flush_secs=10):
        (writer, self._event, self._graph, self._node,
         self._summary, self._versions) = _tensorboard()
        self.log_dir = str(log_dir)
        self._writer = writer(self.log_dir, flush_secs=flush_secs)

    def _write(self, step, **fields):
        self._writer.add_event(self._event.Event(wall_time=time.time(), step=int(step), **fields))

    def add_scalar(self, tag, value, step=0):
        """One number (a float or a one-element tensor) under ``tag`` at ``step``."""
        value = float(_array(value))
        self._write(step, summary=self._summary.Summary(
            value=[self._summary.Summary.Value(tag=tag, simple_value=value)]))

    def add_histogram(self, tag, values, step=0, bins=30):
        """The distribution of ``values`` (any shape: an array or tensor) in ``bins`` equal-width
        buckets, as TensorBoard's histogram (bucket right edges and counts)."""
        a = _array(values).ravel()
        if a.size == 0 or not numpy.isfinite(a).all():
            raise ValueError(f"SummaryWriter.add_histogram: {tag!r} needs finite values, got "
                             f"{a.size} values ({int((~numpy.isfinite(a)).sum())} not finite)")
        counts, edges = numpy.histogram(a, bins=bins)
        proto = self._summary.HistogramProto(
            min=float(a.min()), max=float(a.max()), num=float(a.size), sum=float(a.sum()),
            sum_squares=float((a * a).sum()), bucket_limit=[float(e) for e in edges[1:]],
            bucket=[float(c) for c in counts])
        self._write(step, summary=self._summary.Summary(
            value=[self._summary.Summary.Value(tag=tag, histo=proto)]))

    def add_graph(self, model):
        """The model's layers as TensorBoard's graph: one node per leaf layer (op: its class),
        each fed by the one before (the order the model lists them), under the model's name."""
        root = getattr(model, "name", None) or type(model).__name__
        nodes, previous = [], None
        for path, module in model.named_modules():
            if not path or any(True for _ in module.children()):
                continue
            name = f"{root}/{path.replace('.', '/')}"
            node = self._node.NodeDef(name=name, op=type(module).__name__)
            if previous is not None:
                node.input.append(previous)
            nodes.append(node)
            previous = name
        graph = self._graph.GraphDef(node=nodes, versions=self._versions.VersionDef(producer=22))
        self._write(0, graph_def=graph.SerializeToString())

    def flush(self):
        """Write what is queued to disk now."""
        self._writer.flush()

    def close(self):
        """Flush and close the event file."""
        self._writer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
