"""Saving and loading Keras-face models: ``model.save("m.keras")``,
``keras.models.load_model("m.keras")``, ``model.save_weights`` / ``load_weights``.

A ``.keras`` file is a zip of two or three members:

    config.json             {"class_name": "Sequential", "config": {...}, "compile_config":
                            {...}}: the architecture (every layer's ``get_config``) and the
                            arguments of ``compile`` (optimizer config with its learning
                            rate or schedule, loss, metrics) when they can be written as
                            names/configs
    model.safetensors       the weights (``model.state_dict()``), written by ``shenjing.save``
    optimizer.safetensors   the optimizer's training state, once it has taken a step:
                            ``Optimizer.get_state`` over ``model.trainable_weights``
                            (iterations, the slots of each variable in order, Nadam's
                            product), written by ``shenjing.save``

Loading rebuilds the model from the config (classes looked up by name among
``keras.layers``, ``keras.models``, ``custom_objects`` and the classes registered with
``@keras.saving.register_keras_serializable()``, never imported or run from the file),
loads the weights and compiles it again.  A subclassed model (no layer graph in its
config) is called once on zeros of the input shape it was built for (``build_config``),
so that its weights exist before they are loaded.  A functional model's config also lists,
for each layer call, the layer outputs it reads (``models/functional.py``); loading calls
the layers again in that graph.  The optimizer gets its saved state back (Adam's moments,
the step count), so that N epochs, save, load, M epochs give the same weights, bit for bit,
as N + M epochs without a break (with the same random generator: same seed, no shuffle or
a seeded one).  A state that does not fit the weights (another number of variables or
slots, another shape) is refused, naming the first mismatch; ``compile=False`` loads the
weights alone.  Files are written atomically.

The format is the same whatever the file is called: a course's ``"best_model.h5"`` or
``"my_model"`` gets this zip too (shenjing writes no HDF5), and ``load_model`` reads it
back by its content.
"""

import inspect
import io
import json
import os
import zipfile

from ..io import load as load_tensors, save as save_tensors
from ..io.atomic import atomic_path

CONFIG, WEIGHTS, OPTIMIZER = "config.json", "model.safetensors", "optimizer.safetensors"

#: the classes of ``register_keras_serializable``: ``"package>Name"`` -> class
_REGISTERED = {}


def register_keras_serializable(package="Custom", name=None):
    """A class decorator that lets ``load_model`` (and ``from_config`` of the models) find
    a custom layer, model or other class by name with no ``custom_objects``: it is
    registered as ``"package>name"`` (name: the class's own by default), the name the
    saved config records as ``registered_name``.

        @keras.saving.register_keras_serializable(package="MyLayers")
        class Linear(keras.layers.Layer): ...
    """
    def register(cls):
        key = f"{package}>{name or cls.__name__}"
        if not hasattr(cls, "get_config"):
            raise TypeError(f"register_keras_serializable: {cls.__name__} has no get_config(); "
                            f"it cannot be saved")
        _REGISTERED[key] = cls
        return cls
    return register


def get_registered_name(obj):
    """The name ``register_keras_serializable`` gave ``obj``'s class (or the class
    ``obj``), else the class's own name."""
    cls = obj if isinstance(obj, type) else type(obj)
    for key, registered in _REGISTERED.items():
        if registered is cls:
            return key
    return cls.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class registered (or given in ``custom_objects``/``module_objects``) under
    ``name``, else None."""
    for table in (custom_objects, _REGISTERED, module_objects):
        if table and name in table:
            return table[name]
    return None


def serialize(obj):
    """``{"class_name", "config"}`` for an object with ``get_config``; names stay names."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if hasattr(obj, "get_config"):
        entry = {"class_name": type(obj).__name__, "config": obj.get_config()}
        registered = get_registered_name(obj)
        if registered != entry["class_name"]:
            entry["registered_name"] = registered
        return entry
    raise TypeError(f"cannot save {obj!r}: it has no get_config() (give a name or an object "
                    f"of keras's classes)")


def layer_class(name, custom_objects=None, registered_name=None):
    """The layer or model class called ``name``: from ``custom_objects``, the classes of
    ``register_keras_serializable`` (by ``registered_name``), else keras's own."""
    from . import layers, models
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if registered_name in _REGISTERED:
        return _REGISTERED[registered_name]
    for module in (layers, models):
        cls = getattr(module, name, None)
        if isinstance(cls, type):
            return cls
    raise ValueError(f"unknown layer class {name!r} in the saved config; pass "
                     f"custom_objects={{{name!r}: TheClass}} to load_model, or register the "
                     f"class with @keras.saving.register_keras_serializable()")


def deserialize_layer(entry, custom_objects=None):
    """A layer from ``{"class_name", "config"}``."""
    if not isinstance(entry, dict) or "class_name" not in entry:
        raise ValueError(f"a saved layer must be {{'class_name': ..., 'config': ...}}, got "
                         f"{entry!r}")
    cls = layer_class(entry["class_name"], custom_objects, entry.get("registered_name"))
    config = entry.get("config", {})
    if "custom_objects" in inspect.signature(cls.from_config).parameters:   # models
        return cls.from_config(config, custom_objects=custom_objects)
    return cls.from_config(config)


def _compile_config(model):
    """compile's arguments as names and configs; None when the model is not compiled, has a
    loss per output, or was given plain functions (compile it again after loading)."""
    compiled = getattr(model, "compiled_loss", None)
    if model.optimizer is None or compiled is None or isinstance(model.loss, (list, dict)):
        return None
    metrics = compiled.metrics_spec or []
    if isinstance(metrics, dict) or any(isinstance(m, (list, tuple)) for m in metrics):
        return None
    try:
        return {"optimizer": serialize(model.optimizer), "loss": serialize(model.loss),
                "metrics": [serialize(m) for m in metrics]}
    except TypeError:
        return None


def save_model(model, path):
    """Write ``model`` (architecture, weights, compile arguments) to a ``.keras`` zip."""
    path = os.fspath(path)
    document = {**serialize(model), "compile_config": _compile_config(model)}
    shape = getattr(model, "_build_input_shape", None)
    if "layers" not in document["config"] and isinstance(shape, tuple):
        # a subclassed model makes its weights when first called: load calls it again
        document["build_config"] = {"input_shape": list(shape)}
    text = json.dumps(document, indent=1, allow_nan=False)
    members = {CONFIG: text.encode(), WEIGHTS: _tensor_bytes(model.state_dict())}
    state = optimizer_state(model) if document["compile_config"] else None
    if state is not None:
        members[OPTIMIZER] = _tensor_bytes(state)
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)


def _tensor_bytes(obj):
    """``obj`` as the bytes of a safetensors file (``shenjing.save``)."""
    buffer = io.BytesIO()
    save_tensors(obj, buffer)
    return buffer.getvalue()


def optimizer_state(model):
    """The optimizer's ``get_state`` over ``model.trainable_weights``; None before its first
    step (a fresh optimizer has nothing to resume)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or (optimizer.iterations == 0 and not optimizer.built):
        return None
    return optimizer.get_state(model.trainable_weights)


def restore_optimizer_state(model, state, who, hint=""):
    """Give ``model.optimizer`` the ``state`` of ``optimizer_state``; ValueError starting
    with ``who``, naming the first mismatch between the state and the weights, ending with
    ``hint``."""
    variables = model.trainable_weights
    paths = {id(p): name for name, p in model.named_parameters()}
    try:
        model.optimizer.set_state(state, variables, [paths.get(id(v), "?") for v in variables])
    except ValueError as e:
        raise ValueError(f"{who}: the saved optimizer state does not fit the model's "
                         f"weights: {e}{hint}") from None


def load_model(path, custom_objects=None, compile=True, safe_mode=True):
    """The model saved in a ``.keras`` file, with its weights; compiled again when it was
    compiled and ``compile`` is true, its optimizer then given the saved training state
    (ValueError naming the first mismatch when that state does not fit the weights;
    ``compile=False`` skips it and loads the weights alone)."""
    path = os.fspath(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            missing = {CONFIG, WEIGHTS} - names
            if missing:
                raise ValueError(f"load_model({path!r}): not a .keras file of shenjing "
                                 f"(missing {sorted(missing)})")
            document = json.loads(archive.read(CONFIG))
            weights = load_tensors(io.BytesIO(archive.read(WEIGHTS)))
            state = None
            if compile and OPTIMIZER in names:
                state = load_tensors(io.BytesIO(archive.read(OPTIMIZER)))
    except zipfile.BadZipFile as e:
        raise ValueError(f"load_model({path!r}): not a zip file ({e})") from None
    model = deserialize_layer(document, custom_objects)
    build = document.get("build_config")
    if build and not model.built:
        _build_by_calling(model, tuple(build["input_shape"]))
    model.load_state_dict(weights)
    if compile and document.get("compile_config"):
        from . import optimizers
        config = document["compile_config"]
        loss = config["loss"]
        if isinstance(loss, dict):
            from . import losses
            loss = losses.get(loss)
        model.compile(optimizer=optimizers.get(config["optimizer"]), loss=loss,
                      metrics=config["metrics"] or None)
        if state is not None:
            restore_optimizer_state(model, state, f"load_model({path!r})",
                                    "; load_model(..., compile=False) loads the weights alone")
    return model


def _build_by_calling(model, input_shape):
    """Make a subclassed model's weights by calling it once, in inference, on zeros of the
    input shape it was built for (Keras's ``build_from_config``)."""
    import numpy
    from ..autograd import no_grad
    from ..autograd.tensor import Tensor
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            model(Tensor(numpy.zeros((1,) + input_shape[1:], numpy.float32)))
    finally:
        model.train(was_training)


def save_weights(model, path):
    """The weights alone, as a safetensors file (keys: ``state_dict`` names)."""
    save_tensors(model.state_dict(), path)


def load_weights(model, path):
    """Load weights written by ``save_weights`` (or a ``.keras`` file's) into ``model``.

    As in Keras, weights go by position, not by name: the same architecture built anew has
    other default layer names (``dense_3`` for ``dense``) but the same weights in the same
    order.  Their number and every shape must match."""
    path = os.fspath(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            weights = load_tensors(io.BytesIO(archive.read(WEIGHTS)))
    else:
        weights = load_tensors(path)
    assign_by_position(model, weights, f"{model.name}.load_weights({path!r})")


def assign_by_position(model, weights, who):
    """Load the ``{name: tensor}`` dict ``weights`` into ``model``'s state dict in order,
    whatever the names; ValueError starting with ``who`` unless the count and every shape
    match."""
    own = model.state_dict()
    if len(weights) != len(own):
        raise ValueError(f"{who}: the file holds {len(weights)} weights, the model has "
                         f"{len(own)}")
    for (name, saved), (key, tensor) in zip(weights.items(), own.items()):
        if tuple(saved.shape) != tuple(tensor.shape):
            raise ValueError(f"{who}: weight {key} has shape {tuple(tensor.shape)}, the "
                             f"file's {name} {tuple(saved.shape)}")
    model.load_state_dict(dict(zip(own, weights.values())))
