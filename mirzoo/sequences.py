"""Recurrent ensembles (madmom's onset, beat and downbeat networks) over a whole recording, in bounded memory.

A bidirectional network needs the whole sequence: its backward direction starts at the last frame, and
its LSTMs remember far back (cutting a recording into chunks, even with 30 s of context on each side,
changes beat activations by 0.1, measured). Running the Keras model on an hour of audio at once would
hold the multi-resolution STFT (16 kB per frame at 4096 samples) and every layer's gate projections
(several kB per frame per layer) for all 360 000 frames. Instead:

1. the front end runs on chunks of audio with context (it is frame-local), giving the features;
2. each recurrent layer runs one direction at a time over blocks of `block_frames` frames, carrying
   its state from block to block: forward blocks from the start, backward blocks from the end, so the
   result equals one pass over the whole sequence; a block's input projections are one NumPy matrix
   product, and only the recurrence itself runs as a (compiled) Keras function;
3. the head runs per block, in NumPy.

What stays in memory is the features and two layers' outputs at a time: about 3 kB per frame (1 GB for
an hour at 100 frames per second) plus a block's working set. Every block has the same shape (the last
one is padded where the padding cannot reach the kept frames), and the recurrence takes its weights as
inputs, so a compiling backend compiles one function per cell type and process, whatever the layer,
direction or recording length.
"""

import numpy as np

BLOCK_FRAMES = 2048


def is_recurrent_ensemble(model):
    """True for a model built by :func:`mirzoo.models.ensembles.build_ensemble_network`."""
    from mirzoo.models.ensembles import RecurrentEnsemble

    return any(isinstance(layer, RecurrentEnsemble) for layer in model.layers)


def recurrence_model(cell, units, jit_compile):
    """A Keras model `[projected, state, recurrent, peepholes] → states`, each input with a leading axis of 1."""
    import keras
    from keras import ops

    from mirzoo.models.ensembles import run_recurrence

    class Recurrence(keras.Model):
        def call(self, inputs):
            projected, state, recurrent, peepholes = (ops.squeeze(tensor, 0) for tensor in inputs)
            _, states = run_recurrence(projected, state, recurrent, peepholes if cell == "lstm" else None, cell,
                                       units)
            return ops.expand_dims(states, 0)

    model = Recurrence()
    model.jit_compile = jit_compile
    return model


def per_member_product(x, kernel, shared_input):
    """`(frames, members, out)`: each member's kernel `(members, in, out)` applied to `x`, one sequence
    `(frames, in)` all members read, or each member's own `(frames, members, in)` (BLAS matrix products)."""
    members, width, out = kernel.shape
    if shared_input:
        return (x @ kernel.transpose(1, 0, 2).reshape(width, members * out)).reshape(len(x), members, out)
    return np.matmul(x.transpose(1, 0, 2), kernel).transpose(1, 0, 2)


def direction_weights(layer, direction):
    """NumPy `(kernel, bias, recurrent, peepholes)` of one direction of a RecurrentEnsemble, the last two with a
    leading axis of 1 as :func:`recurrence_model` takes them (peepholes a dummy for plain RNNs)."""
    index = 0 if direction == "forward" else 1
    peepholes = np.asarray(layer.peepholes)[:, index][None] if layer.cell == "lstm" else np.zeros((1, 1), np.float32)
    return (np.asarray(layer.kernel)[:, index], np.asarray(layer.bias)[:, index],
            np.asarray(layer.recurrent_kernel)[:, index][None], peepholes)


class EnsembleRunner:
    """Runs a recurrent-ensemble model's network (everything after its front end) on a features array.

    Args:
        model: a model of :func:`~mirzoo.models.ensembles.build_ensemble_network` (layers `frontend`,
            `recurrent_1…`, `head`).
        block_frames: frames per block.
        jit_compile: compile the recurrence (XLA on TensorFlow, jit on JAX); the default compiles on
            TensorFlow and JAX, where it runs about 8 times faster than uncompiled.
    """

    def __init__(self, model, block_frames=BLOCK_FRAMES, jit_compile=None):
        import keras

        from mirzoo.models.ensembles import RecurrentEnsemble

        self.block = int(block_frames)
        if jit_compile is None:
            jit_compile = keras.config.backend() in ("tensorflow", "jax")
        self.layers = [layer for layer in model.layers if isinstance(layer, RecurrentEnsemble)]
        self.head = model.get_layer("head")
        first = self.layers[0]
        self.cell, self.units = first.cell, first.units
        self._recurrence = recurrence_model(self.cell, self.units, jit_compile)

    def compile(self):
        """Compile the recurrence now, on one block of zeros (the first recording then does not wait for it)."""
        layer = self.layers[0]
        directions = ["forward", "backward"] if layer.bidirectional else ["forward"]
        weights = [direction_weights(layer, direction) for direction in directions]
        recurrent = np.concatenate([w[2] for w in weights], axis=1)
        peepholes = np.concatenate([w[3] for w in weights], axis=1)
        streams = layer.members * len(directions)
        projected = np.zeros((1, self.block, 1, streams, layer.gates * layer.units), np.float32)
        state = np.zeros((1, 1, streams, layer.state_size), np.float32)
        self._recurrence.predict_on_batch([projected, state, recurrent, peepholes])

    def _blocks(self, frames, from_end):
        """`(start, stop)` of each block, in processing order; the first block in time may be short."""
        if not from_end:
            return [(start, min(frames, start + self.block)) for start in range(0, frames, self.block)]
        return [(max(0, stop - self.block), stop) for stop in range(frames, 0, -self.block)]

    def _layer(self, layer, x):
        """`(frames, members, directions · units)`: `layer` on `x` (`(frames, features)` or per member).

        The forward direction walks the blocks from the start while the backward one walks them from the end,
        both in the same recurrence call (their streams side by side): a call advances both by a block.
        """
        directions = ["forward", "backward"] if layer.bidirectional else ["forward"]
        weights = [direction_weights(layer, direction) for direction in directions]
        recurrent = np.concatenate([w[2] for w in weights], axis=1)
        peepholes = np.concatenate([w[3] for w in weights], axis=1)
        frames, members = x.shape[0], layer.members
        state = np.zeros((1, 1, members * len(directions), layer.state_size), np.float32)
        output = np.empty((frames, members, len(directions), layer.units), np.float32)
        spans = [self._blocks(frames, from_end=direction == "backward") for direction in directions]
        for blocks in zip(*spans):
            projected = []
            for (kernel, bias, _, _), (start, stop), direction in zip(weights, blocks, directions):
                part = per_member_product(x[start:stop], kernel, layer.shared_input) + bias
                if direction == "backward":  # reversed in time; its padding then comes where it ends
                    part = part[::-1]
                projected.append(np.pad(part, [(0, self.block - (stop - start)), (0, 0), (0, 0)]))
            projected = np.concatenate(projected, axis=1)[None, :, None].astype(np.float32)
            states = np.asarray(self._recurrence.predict_on_batch([projected, state, recurrent, peepholes]))[0]
            for index, ((start, stop), direction) in enumerate(zip(blocks, directions)):
                streams = slice(index * members, (index + 1) * members)
                hidden = states[: stop - start, 0, streams, : layer.units]
                output[start:stop, :, index] = hidden[::-1] if direction == "backward" else hidden
            # Each direction's state after its own last real frame (blocks have equal lengths but the last).
            state = np.concatenate([states[stop - start - 1, :, index * members : (index + 1) * members]
                                    for index, (start, stop) in enumerate(blocks)], axis=1)[None]
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
        probabilities = 0.5 * (np.tanh(0.5 * logits) + 1.0)
    else:
        shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=-1, keepdims=True)
    average = probabilities.mean(axis=1)
    return average[:, 1:] if head.drop_first else average
