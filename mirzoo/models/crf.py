"""A linear-chain CRF's parameters, carried by the network whose frame features it labels.

madmom's chord recognisers are a feature network followed by a conditional random field (Korzeniowski &
Widmer, MLSP 2016 and ISMIR 2016). The CRF is decoded with Viterbi over the whole recording, which is not a
per-frame computation: it runs outside the graph, in NumPy (:func:`mirzoo.decoders.decode_chords`), as every
mirzoo decoder does. Its parameters are learned, not derived, so they are weights of the model: one weights
file then holds the whole recogniser, checked by one SHA-256, and a SavedModel export writes them beside its
outputs for a serving client.
"""

import keras

from mirzoo.layers.checks import check_positive_int

CRF_PARAMETERS = ("weights", "bias", "transitions", "initial", "final")


@keras.saving.register_keras_serializable(package="mirzoo")
class LinearChainCRF(keras.layers.Layer):
    """Holds a linear-chain CRF over `num_classes` labels for `(batch, frames, features)` inputs; passes them on.

    The score of a label sequence `y` for features `x` is
    `initial·[y_0 after a virtual start] + Σ_t (x_t · weights[:, y_t] + bias[y_t] + transitions[y_{t-1}, y_t])
    + final[y_T]` (madmom's `ConditionalRandomField`). The layer's output is its input unchanged: the features
    stay the model's activations, and :meth:`parameters` gives the decoder what it needs.

    Args:
        num_classes: labels of the chain.

    Weights (non-trainable, filled by a converter or `set_weights`): `weights (features, num_classes)`,
    `bias (num_classes,)`, `transitions (num_classes, num_classes)` (from row to column), `initial` and
    `final (num_classes,)`.

    Input shape: `(batch, frames, features)`. Output shape: the same.
    """

    def __init__(self, num_classes, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.num_classes = check_positive_int("num_classes", num_classes)

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None:
            raise ValueError(f"LinearChainCRF needs a known feature size. Received input shape {input_shape}.")
        shapes = {"weights": (features, self.num_classes), "bias": (self.num_classes,),
                  "transitions": (self.num_classes, self.num_classes), "initial": (self.num_classes,),
                  "final": (self.num_classes,)}
        for name in CRF_PARAMETERS:
            setattr(self, f"crf_{name}", self.add_weight(name=name, shape=shapes[name], initializer="zeros",
                                                         trainable=False))

    def call(self, x):
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def parameters(self):
        """`{"weights", "bias", "transitions", "initial", "final"}` as NumPy arrays, for the decoder."""
        return {name: keras.ops.convert_to_numpy(getattr(self, f"crf_{name}")) for name in CRF_PARAMETERS}

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes)
        return config
