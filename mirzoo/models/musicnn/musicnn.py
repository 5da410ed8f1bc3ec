"""musicnn (Pons & Serra, 2019): musically motivated CNN tagger, scoring 3 s patches of a whole recording.

waveform → log-mel `log10(1 + 10⁴·mel)` → non-overlapping 187-frame patches, each through:

- front end: input batch norm; timbral convolutions (7×38 and 7×67 kernels, 204 filters each, time
  padded 3/3 after the batch norm) and temporal convolutions (128×1, 64×1, 32×1 kernels, 51 filters,
  'same'), each max-pooled over the whole frequency axis → 561 features per frame;
- mid-end: three 1-D convolutions over time (kernel 7, 64 filters, 'same'), the last two residual;
- back-end: max and mean over time, interleaved `[max₀, mean₀, max₁, mean₁, …]` (1506), batch norm,
  Dense 200 (ReLU) + batch norm = the embedding, Dense 50 + sigmoid = the patch's tags.

Every convolution and dense layer is followed by its ReLU and then batch norm (ε = 1e-3), in that
order, exactly as the original TF1 graph (`musicnn/models.py`) computes it; dropout is only active in
training.
"""

import keras

from mirzoo.models.frontend import build_frontend, waveform_input
from mirzoo.models.musicnn.patches import MergePatches, PadToLength, SplitPatches, one_patch_samples

BATCH_NORM_EPSILON = 1e-3  # tf.compat.v1.layers' default, which the checkpoints were trained with
TIMBRAL_KERNEL_HEIGHT = 7
TIMBRAL_WIDTHS = (0.4, 0.7)  # kernel widths as fractions of the mel bands: 38 and 67 of 96
TEMPORAL_KERNEL_HEIGHTS = (128, 64, 32)
MIDEND_KERNEL = 7


def _conv_relu_norm(conv, x, name):
    """`conv` with ReLU, then batch norm: musicnn's order (BN after the activation)."""
    x = conv(x)
    return keras.layers.BatchNormalization(epsilon=BATCH_NORM_EPSILON, name=f"{name}_norm")(x)


def _max_over_frequency(x, name):
    """(patches, time, freq, channels) → (patches, time, channels): max-pool the whole frequency axis."""
    x = keras.layers.MaxPooling2D((1, x.shape[2]), name=f"{name}_pool")(x)
    return keras.layers.Reshape((x.shape[1], x.shape[3]), name=f"{name}_squeeze")(x)


def patch_network(patch, n_mels, timbral_filters, temporal_filters, midend_filters, backend_units, dropout,
                  num_labels):
    """musicnn's network on a batch of log-mel patches.

    Args:
        patch: tensor `(patches, patch_frames, n_mels)`.
        n_mels, timbral_filters, temporal_filters, midend_filters, backend_units, dropout: see `build`.
        num_labels: outputs of the head.

    Returns:
        `(tags, embedding)`: `(patches, num_labels)` sigmoid scores and the `(patches, backend_units)`
        penultimate features.
    """
    patch_frames = patch.shape[1]
    x = keras.layers.Reshape((patch_frames, n_mels, 1), name="add_channel")(patch)
    x = keras.layers.BatchNormalization(epsilon=BATCH_NORM_EPSILON, name="input_norm")(x)

    # Timbral branch: zeros are padded after the input batch norm, i.e. in the normalised domain.
    pad = TIMBRAL_KERNEL_HEIGHT // 2
    padded = keras.layers.ZeroPadding2D(((pad, pad), (0, 0)), name="timbral_pad")(x)
    branches = []
    for fraction in TIMBRAL_WIDTHS:
        width = int(fraction * n_mels)
        name = f"timbral_{width}"
        conv = keras.layers.Conv2D(timbral_filters, (TIMBRAL_KERNEL_HEIGHT, width), activation="relu",
                                   name=f"{name}_conv")
        branches.append(_max_over_frequency(_conv_relu_norm(conv, padded, name), name))
    # Temporal branch: 'same' pads (k − 1) // 2 frames before and the rest after, as TF1 did.
    for height in TEMPORAL_KERNEL_HEIGHTS:
        name = f"temporal_{height}"
        conv = keras.layers.Conv2D(temporal_filters, (height, 1), padding="same", activation="relu",
                                   name=f"{name}_conv")
        branches.append(_max_over_frequency(_conv_relu_norm(conv, x, name), name))
    front = keras.layers.Concatenate(name="frontend_features")(branches)

    # Mid-end: time convolutions over the 561 front-end features, residual from the second on.
    layers = [front]
    x = front
    for index in range(1, 4):
        name = f"midend_{index}"
        conv = keras.layers.Conv1D(midend_filters, MIDEND_KERNEL, padding="same", activation="relu",
                                   name=f"{name}_conv")
        y = _conv_relu_norm(conv, x, name)
        x = y if index == 1 else keras.layers.Add(name=f"{name}_residual")([y, x])
        layers.append(x)
    x = keras.layers.Concatenate(name="midend_features")(layers)

    # Back-end: [max₀, mean₀, max₁, mean₁, …], the order of the checkpoint's pooled-vector weights.
    features = x.shape[-1]
    pooled = [
        keras.layers.Reshape((features, 1), name=f"{name}_column")(pool(name=name)(x))
        for name, pool in (("max_pool", keras.layers.GlobalMaxPooling1D),
                           ("mean_pool", keras.layers.GlobalAveragePooling1D))
    ]
    x = keras.layers.Flatten(name="interleave")(keras.layers.Concatenate(name="pools")(pooled))
    x = keras.layers.BatchNormalization(epsilon=BATCH_NORM_EPSILON, name="pooled_norm")(x)
    x = keras.layers.Dropout(dropout, name="pooled_dropout")(x)
    dense = keras.layers.Dense(backend_units, activation="relu", name="penultimate_dense")
    embedding = _conv_relu_norm(dense, x, "penultimate")
    x = keras.layers.Dropout(dropout, name="penultimate_dropout")(embedding)
    tags = keras.layers.Dense(num_labels, activation="sigmoid", name="head")(x)
    return tags, embedding


def build(preset, patch_frames=187, timbral_filters=204, temporal_filters=51, midend_filters=64,
          backend_units=200, dropout=0.5):
    """Build musicnn for `preset` (a `"mel"` front end with `compression="log10"`).

    Args:
        preset: a tagging `PresetConfig`.
        patch_frames: spectrogram frames per patch (187 = 2.992 s at 16 kHz, hop 256).
        timbral_filters: filters of each timbral convolution (int(1.6 · 128) in the paper's code).
        temporal_filters: filters of each temporal convolution (int(1.6 · 32)).
        midend_filters: filters of the mid-end convolutions.
        backend_units: units of the penultimate dense layer, the size of the embedding.
        dropout: dropout rate before and after the penultimate layer (training only).

    Returns:
        `keras.Model` from waveform `(batch, samples)` to
        `{"taggram": (batch, patches, len(labels)), "embedding": (batch, patches, backend_units)}`,
        `patches = frames // patch_frames`. Audio shorter than one patch (47,616 samples for the
        presets) is zero-padded to one patch.
    """
    waveform = waveform_input()
    padded = PadToLength(one_patch_samples(preset.frontend, patch_frames), name="pad_to_one_patch")(waveform)
    spectrogram = build_frontend(preset)(padded)
    patches = SplitPatches(patch_frames, name="patches")(spectrogram)
    tags, embedding = patch_network(patches, preset.frontend["n_mels"], timbral_filters, temporal_filters,
                                    midend_filters, backend_units, dropout, len(preset.labels))
    outputs = {
        "taggram": MergePatches(name="taggram")([tags, spectrogram]),
        "embedding": MergePatches(name="embedding")([embedding, spectrogram]),
    }
    return keras.Model(waveform, outputs, name=preset.arch)
