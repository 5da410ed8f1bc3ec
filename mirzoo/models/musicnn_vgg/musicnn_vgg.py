"""musicnn's VGG-like baseline (Pons & Serra, 2019): small 3×3 CNN tagger on 187-frame log-mel patches.

waveform → log-mel `log10(1 + 10⁴·mel)` → non-overlapping 187-frame patches, each through: input batch
norm; five blocks of Conv2D 3×3 'same' (ReLU) → batch norm (ε = 1e-3) → max-pool, pooling (4, 1) with
stride (2, 2), then 2×2 three times, then 4×4; flatten in (time, frequency, channel) order = the
embedding (2·1·128 = 256 for the presets); Dense 50 + sigmoid. Dropout (0.25 before blocks 2–5, 0.5
before the head) is only active in training. Only 187-frame patches fit the checkpoints' dense layer.
"""

import keras

from mirzoo.models.frontend import build_frontend, waveform_input
from mirzoo.models.musicnn.musicnn import BATCH_NORM_EPSILON
from mirzoo.models.musicnn.patches import MergePatches, PadToLength, SplitPatches, one_patch_samples

# (pool size, strides) of each block; None = strides equal to the pool size.
POOLS = (((4, 1), (2, 2)), ((2, 2), None), ((2, 2), None), ((2, 2), None), ((4, 4), None))


def build(preset, patch_frames=187, filters=128, block_dropout=0.25, dropout=0.5):
    """Build musicnn's vgg for `preset` (a `"mel"` front end with `compression="log10"`).

    Args:
        preset: a tagging `PresetConfig`.
        patch_frames: spectrogram frames per patch (187 = 2.992 s at 16 kHz, hop 256).
        filters: filters of every convolution.
        block_dropout: dropout before blocks 2 to 5 (training only).
        dropout: dropout before the head (training only).

    Returns:
        `keras.Model` from waveform `(batch, samples)` to
        `{"taggram": (batch, patches, len(labels)), "embedding": (batch, patches, features)}`, where the
        embedding is the flattened last pooling (256 features for the presets) and
        `patches = frames // patch_frames`. Audio shorter than one patch is zero-padded to one patch.
    """
    waveform = waveform_input()
    padded = PadToLength(one_patch_samples(preset.frontend, patch_frames), name="pad_to_one_patch")(waveform)
    spectrogram = build_frontend(preset)(padded)
    patches = SplitPatches(patch_frames, name="patches")(spectrogram)
    x = keras.layers.Reshape((patch_frames, preset.frontend["n_mels"], 1), name="add_channel")(patches)
    x = keras.layers.BatchNormalization(epsilon=BATCH_NORM_EPSILON, name="input_norm")(x)
    for index, (pool, strides) in enumerate(POOLS, start=1):
        block = f"block_{index}"
        if index > 1:
            x = keras.layers.Dropout(block_dropout, name=f"{block}_dropout")(x)
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"{block}_conv")(x)
        x = keras.layers.BatchNormalization(epsilon=BATCH_NORM_EPSILON, name=f"{block}_norm")(x)
        x = keras.layers.MaxPooling2D(pool, strides=strides, name=f"{block}_pool")(x)
    embedding = keras.layers.Flatten(name="flatten")(x)  # channels_last: (time, frequency, channel) order
    x = keras.layers.Dropout(dropout, name="dropout")(embedding)
    tags = keras.layers.Dense(len(preset.labels), activation="sigmoid", name="head")(x)
    outputs = {
        "taggram": MergePatches(name="taggram")([tags, spectrogram]),
        "embedding": MergePatches(name="embedding")([embedding, spectrogram]),
    }
    return keras.Model(waveform, outputs, name=preset.arch)
