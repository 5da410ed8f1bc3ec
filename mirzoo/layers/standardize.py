"""Fixed per-feature standardisation `(x - mean) · scale`, with the statistics stored as weights."""

import keras

from mirzoo.layers.base import AudioLayer
from mirzoo.layers.checks import check_positive_int


@keras.saving.register_keras_serializable(package="mirzoo")
class Standardize(AudioLayer):
    """`(x - mean) · scale` over the trailing `rank` axes, with `mean` and `scale` non-trainable weights.

    For statistics measured once on a training set (madmom's input normalisation, `scale` its
    `inv_std`). Unlike `keras.layers.Normalization`, the weights are used as they are: set them,
    or load them, and the layer applies them, with no `adapt` or `finalize_state` step.

    Args:
        rank: how many trailing axes the statistics span (1: per feature; 2: per band and channel).

    Input shape: any, with known trailing axes. Output shape: the same.
    """

    def __init__(self, rank=1, **kwargs):
        super().__init__(**kwargs)
        self.rank = check_positive_int("rank", rank)

    def build(self, input_shape):
        shape = tuple(input_shape[-self.rank :])
        if any(size is None for size in shape):
            raise ValueError(f"Standardize needs known sizes for its last {self.rank} axes. Received {input_shape}.")
        self.mean = self.add_weight(name="mean", shape=shape, initializer="zeros", trainable=False)
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones", trainable=False)

    def call(self, x):
        return (x - self.mean) * self.scale

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(rank=self.rank)
        return config
