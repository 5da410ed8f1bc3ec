"""Recurrent ensembles (madmom's onset, beat and downbeat networks) over a whole recording, in bounded memory.

A bidirectional network needs the whole sequence: its backward direction starts at the last frame, and
its LSTMs remember far back (cutting a recording into chunks, even with 30 s of context on each side,
changes beat activations by 0.1, measured). Running the Keras model on an hour of audio at once would
hold the multi-resolution STFT (16 kB per frame at 4096 samples) and every layer's gate projections
(several kB per frame per layer) for all 360 000 frames. Instead:

1. the front end runs on chunks of audio with context (it is frame-local), giving the features;
2. each recurrent layer runs over blocks of `block_frames` frames, carrying its state from block to block:
   the forward direction walks the blocks from the start while the backward one walks them from the end,
   both in the same loop, so the result equals one pass over the whole sequence;
3. the head runs on the last layer's output.

The layers' weights are the Keras model's; the arithmetic is NumPy (float32). A recurrence is thousands
of steps of tiny matrix products, where a framework's per-operation overhead dominates: a NumPy step
over all 8 members and both directions costs about 15 µs on one core, needs no compilation (the first
recording is as fast as the next), behaves the same on every Keras backend, and does not slow down when
other processes share the CPU (a compiled TensorFlow loop spread over threads did, measured 12× in
`benchmarks/madmom.py`). It equals the Keras layers to float32 rounding (tested).

What stays in memory is the features and two layers' outputs at a time (measured 4.3–4.6 kB per frame,
about 1.6 GB for an hour at 100 frames per second) plus a block's working set.
"""

import numpy as np

BLOCK_FRAMES = 2048


def is_recurrent_ensemble(model):
    """True for a model built by :func:`mirzoo.models.ensembles.build_ensemble_network`."""
    from mirzoo.models.ensembles import RecurrentEnsemble

    return any(isinstance(layer, RecurrentEnsemble) for layer in model.layers)


def _sigmoid(x):
    """`1 / (1 + exp(-x))`, as madmom computes it (scipy's expit): the `0.5 + 0.5 tanh(x / 2)` form rounds
    differently, and over a 3-minute LSTM recurrence that drifted to 4e-4 from madmom (measured)."""
    one = np.float32(1.0)
    with np.errstate(over="ignore"):  # exp(-x) = inf for x < -88: the sigmoid is then 0, as it should be
        return one / (one + np.exp(-x))


def recurrence(projected, state, recurrent, peepholes, cell, units):
    """NumPy version of :func:`mirzoo.models.ensembles.run_recurrence`, without a batch axis.

    Args:
        projected: float32 `(frames, streams, gates · units)`, each frame's `x W + b` (gates `[i, f, c, o]`).
        state: `(streams, state_size)` at the start (`[h, c]` for LSTMs).
        recurrent: `(streams, units, gates · units)`.
        peepholes: `(streams, 3, units)` (`[p_i, p_f, p_o]`), LSTMs only; else None.
        cell: `"lstm"` or `"rnn"`.
        units: units per stream.

    Returns:
        `(hidden, final_state)`: the hidden state after every frame, `(frames, streams, units)`, and the
        state after the last frame, `(streams, state_size)`.
    """
    frames, streams, _ = projected.shape
    hidden = np.empty((frames, streams, units), np.float32)
    h = np.array(state[:, None, :units], np.float32)
    if cell == "rnn":
        for t in range(frames):
            h = np.tanh(projected[t, :, None] + np.matmul(h, recurrent))
            hidden[t] = h[:, 0]
        return hidden, h[:, 0].copy()
    memory = np.array(state[:, units:], np.float32)
    peep_input_forget = np.concatenate([peepholes[:, 0], peepholes[:, 1]], axis=1)
    peep_output = peepholes[:, 2]
    for t in range(frames):
        gates = projected[t] + np.matmul(h, recurrent)[:, 0]
        input_forget = _sigmoid(gates[:, : 2 * units] + peep_input_forget * np.concatenate([memory, memory], axis=1))
        memory = np.tanh(gates[:, 2 * units : 3 * units]) * input_forget[:, :units] + memory * input_forget[:, units:]
        h = (np.tanh(memory) * _sigmoid(gates[:, 3 * units :] + peep_output * memory))[:, None]
        hidden[t] = h[:, 0]
    return hidden, np.concatenate([h[:, 0], memory], axis=1)


def per_member_product(x, kernel, shared_input):
    """`(frames, members, out)`: each member's kernel `(members, in, out)` applied to `x`, one sequence
    `(frames, in)` all members read, or each member's own `(frames, members, in)` (BLAS matrix products)."""
    members, width, out = kernel.shape
    if shared_input:
        return (x @ kernel.transpose(1, 0, 2).reshape(width, members * out)).reshape(len(x), members, out)
    return np.matmul(x.transpose(1, 0, 2), kernel).transpose(1, 0, 2)


class LayerWeights:
    """A RecurrentEnsemble's weights as NumPy, per direction: `kernel (members, in, gates · units)`, `bias`,
    `recurrent (members, units, gates · units)` and `peepholes (members, 3, units)` (None for plain RNNs)."""

    def __init__(self, layer, direction):
        index = 0 if direction == "forward" else 1
        self.kernel = np.asarray(layer.kernel)[:, index]
        self.bias = np.asarray(layer.bias)[:, index]
        self.recurrent = np.asarray(layer.recurrent_kernel)[:, index]
        self.peepholes = np.asarray(layer.peepholes)[:, index] if layer.cell == "lstm" else None

    def project(self, x, shared_input):
        return per_member_product(x, self.kernel, shared_input) + self.bias


class EnsembleRunner:
    """Runs a recurrent-ensemble model's network (everything after its front end) on a features array.

    Args:
        model: a model of :func:`~mirzoo.models.ensembles.build_ensemble_network` (layers `frontend`,
            `recurrent_1…`, `head`).
        block_frames: frames per block (bounds the input projections held at once).
    """

    def __init__(self, model, block_frames=BLOCK_FRAMES):
        from mirzoo.models.ensembles import RecurrentEnsemble

        self.block = int(block_frames)
        self.layers = [layer for layer in model.layers if isinstance(layer, RecurrentEnsemble)]
        self.head = model.get_layer("head")

    def _blocks(self, frames, from_end):
        """`(start, stop)` of each block, in processing order."""
        if not from_end:
            return [(start, min(frames, start + self.block)) for start in range(0, frames, self.block)]
        return [(max(0, stop - self.block), stop) for stop in range(frames, 0, -self.block)]

    def _layer(self, layer, x):
        """`(frames, members, directions · units)`: `layer` on `x` (`(frames, features)` or per member).

        The forward direction walks the blocks from the start while the backward one walks them from the end,
        side by side in one recurrence (their streams stacked): each step advances both.
        """
        directions = ["forward", "backward"] if layer.bidirectional else ["forward"]
        weights = [LayerWeights(layer, direction) for direction in directions]
        recurrent = np.concatenate([w.recurrent for w in weights])
        peepholes = None if layer.cell == "rnn" else np.concatenate([w.peepholes for w in weights])
        frames, members = x.shape[0], layer.members
        state = np.zeros((members * len(directions), layer.state_size), np.float32)
        output = np.empty((frames, members, len(directions), layer.units), np.float32)
        spans = [self._blocks(frames, from_end=direction == "backward") for direction in directions]
        for blocks in zip(*spans):  # paired blocks have equal lengths: the backward spans mirror the forward ones
            parts = [w.project(x[start:stop], layer.shared_input) for w, (start, stop) in zip(weights, blocks)]
            if layer.bidirectional:  # the backward direction reads its block reversed
                parts[1] = parts[1][::-1]
            hidden, state = recurrence(np.concatenate(parts, axis=1), state, recurrent, peepholes, layer.cell,
                                       layer.units)
            for index, (start, stop) in enumerate(blocks):
                mine = hidden[:, index * members : (index + 1) * members]
                output[start:stop, :, index] = mine[::-1] if directions[index] == "backward" else mine
        return output.reshape(frames, members, len(directions) * layer.units)

    def __call__(self, features):
        """Activations `(frames, outputs)` of the network on `features` `(frames, feature_size)` float32."""
        x = np.asarray(features, np.float32)
        for layer in self.layers:
            x = self._layer(layer, x)
        return apply_head(self.head, x)


def apply_head(head, x):
    """An :class:`~mirzoo.models.ensembles.EnsembleHead` in NumPy on `(frames, members, features)`."""
    logits = per_member_product(x, np.asarray(head.kernel), shared_input=False) + np.asarray(head.bias)
    if head.activation == "sigmoid":
        probabilities = _sigmoid(logits)
    else:
        shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=-1, keepdims=True)
    average = probabilities.mean(axis=1)
    return average[:, 1:] if head.drop_first else average
