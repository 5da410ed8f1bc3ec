"""Ensembles of small recurrent networks run as one layer: madmom's onset, beat and downbeat networks.

madmom averages the outputs of 8 networks of 3 recurrent layers (25 units each way).
Run as 8 separate Keras models, each step of each layer would be its own tiny loop; here
every member and direction of a layer advances in one loop, with one batched matrix
product per time step, and each member's input projections are computed for all frames
at once before the loop. The members stay independent: their weights are separate
slices, nothing is shared or mixed until the head averages their probabilities.
"""

import keras
from keras import ops

from mirzoo.layers.checks import check_positive_int

CELLS = ("lstm", "rnn")


def run_recurrence(projected, state, recurrent, peepholes, cell, units):
    """The recurrence of independent streams (members × directions) over time, from projected inputs.

    Args:
        projected: `(frames, batch, streams, gates · units)`: each frame's `x W + b`, gates `[i, f, c, o]`
            for LSTMs (time already reversed for a backward direction).
        state: `(batch, streams, state_size)` at the start (`[h, c]` for LSTMs).
        recurrent: `(streams, units, gates · units)`.
        peepholes: `(streams, 3, units)` (`[p_i, p_f, p_o]`), LSTMs only; else None.
        cell: `"lstm"` or `"rnn"`.
        units: units per stream.

    Returns:
        `(final_state, states)`: the state after the last frame, and after every frame
        `(frames, batch, streams, state_size)` (the hidden state is `[..., :units]`).
    """
    if cell == "lstm":
        peep_input, peep_forget, peep_output = peepholes[:, 0], peepholes[:, 1], peepholes[:, 2]

        def step(state, projected):
            hidden, memory = state[..., :units], state[..., units:]
            gates = projected + ops.einsum("bsu,sug->bsg", hidden, recurrent)
            input_gate = ops.sigmoid(gates[..., :units] + peep_input * memory)
            forget_gate = ops.sigmoid(gates[..., units : 2 * units] + peep_forget * memory)
            memory = ops.tanh(gates[..., 2 * units : 3 * units]) * input_gate + memory * forget_gate
            output_gate = ops.sigmoid(gates[..., 3 * units :] + peep_output * memory)
            state = ops.concatenate([ops.tanh(memory) * output_gate, memory], axis=-1)
            return state, state
    else:

        def step(hidden, projected):
            hidden = ops.tanh(projected + ops.einsum("bsu,sug->bsg", hidden, recurrent))
            return hidden, hidden

    # The loop's outputs must be shaped like its carry (a TensorFlow backend constraint): they are the states.
    return ops.scan(step, state, projected)


@keras.saving.register_keras_serializable(package="mirzoo")
class RecurrentEnsemble(keras.layers.Layer):
    """One recurrent layer of each of `members` networks, forward (and backward) over time.

    Cells:
        `"lstm"`: madmom's LSTM with peephole connections (no Keras layer has them):
            `i = σ(x W_i + h R_i + p_i ⊙ c_prev + b_i)`, `f = σ(x W_f + h R_f + p_f ⊙ c_prev + b_f)`,
            `c = tanh(x W_c + h R_c + b_c) ⊙ i + c_prev ⊙ f`, `o = σ(x W_o + h R_o + p_o ⊙ c + b_o)`,
            `h = tanh(c) ⊙ o` (the output gate peeks at the new cell state).
        `"rnn"`: `h = tanh(x W + h_prev R + b)`.
    Gates are laid out `[i, f, c, o]` along the last axis of `kernel`, `recurrent_kernel` and `bias`;
    `peepholes` holds `[p_i, p_f, p_o]`. States start at zero.

    Args:
        members: networks in the ensemble.
        units: units per direction.
        cell: `"lstm"` or `"rnn"`.
        bidirectional: also run each member backward in time; its features follow the forward ones.
        shared_input: the input is one sequence all members read, `(batch, frames, features)`
            (the first layer); otherwise each member reads its own, `(batch, frames, members, features)`.

    Output shape: `(batch, frames, members, units · directions)`.

    `call(x, initial_state=None, return_state=False, direction=None)`: with `direction`
    `"forward"` (or `"backward"`, bidirectional layers only) the layer runs that direction alone,
    giving `(batch, frames, members, units)`, and can start from the state a previous call returned,
    `(batch, members, state_size)` (`2 · units` for LSTMs: `[h, c]`): a sequence then runs block by
    block, forward blocks in order and backward blocks from the end, exactly as one pass over it.
    A forward-only layer carries state without naming its direction.
    """

    def __init__(self, members, units, cell="lstm", bidirectional=True, shared_input=True, **kwargs):
        super().__init__(**kwargs)
        self.members = check_positive_int("members", members)
        self.units = check_positive_int("units", units)
        if cell not in CELLS:
            raise ValueError(f"`cell` must be one of {CELLS}. Received: cell={cell!r}")
        self.cell = cell
        self.bidirectional = bool(bidirectional)
        self.shared_input = bool(shared_input)
        self.directions = 2 if self.bidirectional else 1
        self.gates = 4 if cell == "lstm" else 1

    @property
    def state_size(self):
        """Size of one member's carried state: `[h, c]` for LSTMs, `h` for plain RNNs."""
        return 2 * self.units if self.cell == "lstm" else self.units

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None:
            raise ValueError("RecurrentEnsemble needs a known number of input features (the last axis).")
        shape = (self.members, self.directions)
        width = self.gates * self.units
        self.kernel = self.add_weight(name="kernel", shape=shape + (features, width), initializer="glorot_uniform")
        self.recurrent_kernel = self.add_weight(name="recurrent_kernel", shape=shape + (self.units, width),
                                                initializer="orthogonal")
        self.bias = self.add_weight(name="bias", shape=shape + (width,), initializer="zeros")
        if self.cell == "lstm":
            self.peepholes = self.add_weight(name="peepholes", shape=shape + (3, self.units), initializer="zeros")

    def call(self, x, initial_state=None, return_state=False, direction=None):
        expected = 3 if self.shared_input else 4
        if len(x.shape) != expected:
            layout = "(batch, frames, features)" if self.shared_input else "(batch, frames, members, features)"
            raise ValueError(f"RecurrentEnsemble {self.name} expects {layout}. Received shape {tuple(x.shape)}.")
        if direction not in (None, "forward", "backward") or (direction == "backward" and not self.bidirectional):
            raise ValueError(f"`direction` must be None, 'forward' or (bidirectional layers) 'backward'. Received: "
                             f"direction={direction!r}")
        directions = [0, 1][: self.directions] if direction is None else [0 if direction == "forward" else 1]
        if len(directions) > 1 and (initial_state is not None or return_state):
            raise ValueError("A bidirectional layer sees the whole sequence at once; to carry states between calls, "
                             "run one direction at a time (direction='forward' or 'backward').")
        batch, frames = ops.shape(x)[0], ops.shape(x)[1]
        streams = self.members * len(directions)
        # Input projections of every frame, member and direction: (frames, batch, members, directions, gates·units).
        kernel = ops.take(self.kernel, directions, axis=1)
        bias = ops.take(self.bias, directions, axis=1)
        equation = "btf,mdfg->tbmdg" if self.shared_input else "btmf,mdfg->tbmdg"
        projected = ops.einsum(equation, x, kernel) + bias
        backward = directions[-1] == 1
        if backward:  # the backward direction reads time reversed
            reversed_part = ops.flip(projected[:, :, :, -1:], axis=0)
            projected = reversed_part if len(directions) == 1 else ops.concatenate(
                [projected[:, :, :, :1], reversed_part], axis=3)
        projected = ops.reshape(projected, (frames, batch, streams, self.gates * self.units))
        recurrent = ops.reshape(ops.take(self.recurrent_kernel, directions, axis=1),
                                (streams, self.units, self.gates * self.units))
        if initial_state is None:
            state = ops.zeros((batch, streams, self.state_size), dtype=projected.dtype)
        else:
            state = ops.convert_to_tensor(initial_state, dtype=projected.dtype)
        peepholes = None
        if self.cell == "lstm":
            peepholes = ops.reshape(ops.take(self.peepholes, directions, axis=1), (streams, 3, self.units))
        final, states = run_recurrence(projected, state, recurrent, peepholes, self.cell, self.units)
        hidden = ops.reshape(states[..., : self.units], (frames, batch, self.members, len(directions), self.units))
        if backward:
            reversed_part = ops.flip(hidden[:, :, :, -1:], axis=0)
            hidden = reversed_part if len(directions) == 1 else ops.concatenate([hidden[:, :, :, :1], reversed_part],
                                                                                 axis=3)
        outputs = ops.reshape(ops.transpose(hidden, (1, 0, 2, 3, 4)),
                              (batch, frames, self.members, len(directions) * self.units))
        return (outputs, final) if return_state else outputs

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], self.members, self.directions * self.units)

    def compute_output_spec(self, x, initial_state=None, return_state=False, direction=None):
        directions = self.directions if direction is None else 1
        outputs = keras.KerasTensor((x.shape[0], x.shape[1], self.members, directions * self.units), x.dtype)
        if not return_state:
            return outputs
        return outputs, keras.KerasTensor((x.shape[0], self.members * directions, self.state_size), x.dtype)

    def get_config(self):
        config = super().get_config()
        config.update(members=self.members, units=self.units, cell=self.cell, bidirectional=self.bidirectional,
                      shared_input=self.shared_input)
        return config


@keras.saving.register_keras_serializable(package="mirzoo")
class EnsembleHead(keras.layers.Layer):
    """Each member's dense output layer, then the mean of the members' probabilities (madmom's ensemble average).

    Args:
        units: outputs per member.
        activation: `"sigmoid"` or `"softmax"` (over the outputs), applied per member before averaging.
        drop_first: leave the first output out of the result (madmom's downbeat networks: of
            `[no beat, beat, downbeat]` it keeps the last two).

    Input shape: `(batch, frames, members, features)`.
    Output shape: `(batch, frames, units)`, or `units - 1` with `drop_first`.
    """

    def __init__(self, units, activation="sigmoid", drop_first=False, **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int("units", units)
        if activation not in ("sigmoid", "softmax"):
            raise ValueError(f"`activation` must be 'sigmoid' or 'softmax'. Received: activation={activation!r}")
        self.activation = activation
        self.drop_first = bool(drop_first)
        if self.drop_first and self.units < 2:
            raise ValueError("drop_first needs at least 2 outputs.")

    def build(self, input_shape):
        members, features = input_shape[-2], input_shape[-1]
        self.kernel = self.add_weight(name="kernel", shape=(members, features, self.units),
                                      initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(members, self.units), initializer="zeros")

    def call(self, x):
        logits = ops.einsum("btmf,mfu->btmu", x, self.kernel) + self.bias
        probabilities = ops.sigmoid(logits) if self.activation == "sigmoid" else ops.softmax(logits, axis=-1)
        average = ops.mean(probabilities, axis=2)
        return average[..., 1:] if self.drop_first else average

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], self.units - self.drop_first)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, activation=self.activation, drop_first=self.drop_first)
        return config


def build_ensemble_network(preset, cell, bidirectional, members=8, units=25, layers=3, head_activation="sigmoid",
                           drop_first=False):
    """Waveform → the preset's front end → `layers` × :class:`RecurrentEnsemble` → :class:`EnsembleHead`.

    The head has one output per label (plus the dropped first one with `drop_first`).

    Returns:
        `keras.Model` from waveform `(batch, samples)` to `(batch, frames, len(preset.labels))`.
    """
    from mirzoo.models.frontend import build_frontend, waveform_input

    waveform = waveform_input()
    x = build_frontend(preset)(waveform)
    for index in range(layers):
        x = RecurrentEnsemble(members, units, cell, bidirectional, shared_input=index == 0,
                              name=f"recurrent_{index + 1}")(x)
    outputs = len(preset.labels) + bool(drop_first)
    activations = EnsembleHead(outputs, head_activation, drop_first, name="head")(x)
    return keras.Model(waveform, activations, name=preset.arch)
