"""Project spectrogram bins onto a filterbank (mel, log-frequency, chroma or custom)."""

import inspect
import math
import numbers

import keras
import numpy as np
from keras import ops

from mirzoo import dsp
from mirzoo.layers.base import AudioLayer
from mirzoo.layers.checks import (
    FLOAT32_MAX,
    check_choice,
    check_positive_int,
    check_positive_number,
    check_spectrogram,
)

FILTERBANK_KINDS = ("mel", "log", "chroma", "log_bins", "mel_bins", "custom")
_BUILDERS = {
    "mel": dsp.mel_filterbank,
    "log": dsp.log_frequency_filterbank,
    "chroma": dsp.chroma_filterbank,
    "log_bins": dsp.log_bin_filterbank,
    "mel_bins": dsp.mel_bin_filterbank,
}


def build_filterbank(kind, sample_rate=None, n_fft=None, filterbank_kwargs=None, matrix=None):
    """The `(n_filters, 1 + n_fft // 2)` float64 matrix an `ApplyFilterbank` applies, finite in float32."""
    check_choice("kind", kind, FILTERBANK_KINDS)
    if kind == "custom":
        if matrix is None:
            raise ValueError('kind="custom" needs `matrix`, an array of shape (n_filters, n_bins).')
        matrix = np.asarray(matrix, dtype=np.float64)
        if matrix.ndim != 2:
            raise ValueError(f"`matrix` must be a finite 2-D array (n_filters, n_bins). Received shape {matrix.shape}.")
        # The layer applies it in float32: 1e39 is a finite float64 but inf there.
        outside = ~(np.abs(matrix) <= FLOAT32_MAX)
        if np.any(outside):
            index = tuple(int(i) for i in np.argwhere(outside)[0])
            raise ValueError(
                f"`matrix` must hold finite values that float32 can represent (|value| <= {FLOAT32_MAX:.8g}). "
                f"Received {int(outside.sum())} that are not, "
                f"e.g. matrix[{index[0]}, {index[1]}]={float(matrix[index])!r}."
            )
        return matrix
    if matrix is not None:
        raise ValueError(f'`matrix` is only used with kind="custom". Received kind={kind!r} and a matrix.')
    if sample_rate is None or n_fft is None:
        raise ValueError(f"kind={kind!r} needs `sample_rate` (Hz) and `n_fft` (samples).")
    check_positive_number("sample_rate", sample_rate)
    check_positive_int("n_fft", n_fft)
    builder = _BUILDERS[kind]
    filterbank_kwargs = filterbank_kwargs or {}
    accepted = [name for name in inspect.signature(builder).parameters if name not in ("sample_rate", "n_fft")]
    unknown = sorted(set(filterbank_kwargs) - set(accepted))
    if unknown:
        raise ValueError(
            f"`filterbank_kwargs` for kind={kind!r} accepts {accepted}. Received unknown keys {unknown} "
            f"in filterbank_kwargs={filterbank_kwargs!r}"
        )
    # A NaN or infinite frequency passes the builders' range checks and fills the matrix with NaN.
    # `norm` is exempt: it is a name or, for chroma, a norm order that may be np.inf.
    for name, value in filterbank_kwargs.items():
        if name != "norm" and isinstance(value, numbers.Real) and not math.isfinite(value):
            raise ValueError(f"`{name}` must be a finite number. Received: {name}={value!r}")
    matrix = builder(sample_rate, n_fft, **filterbank_kwargs)
    if not np.all(np.abs(matrix) <= FLOAT32_MAX):  # NaN or beyond float32
        raise ValueError(
            f"The {kind!r} filterbank for sample_rate={sample_rate}, n_fft={n_fft} and "
            f"filterbank_kwargs={filterbank_kwargs!r} has non-finite weights in float32; "
            "check those parameters' ranges."
        )
    return matrix


@keras.saving.register_keras_serializable(package="mirzoo")
class ApplyFilterbank(AudioLayer):
    """Multiply each frame's bins by a filterbank: `(…, bins) → (…, n_filters)`.

    The matrix is rebuilt from the constructor arguments (never saved as a
    weight), so a saved model carries only these parameters.

    Args:
        kind: `"mel"` (`mirzoo.dsp.mel_filterbank`), `"log"`
            (`mirzoo.dsp.log_frequency_filterbank`), `"chroma"`
            (`mirzoo.dsp.chroma_filterbank`), `"log_bins"` / `"mel_bins"`
            (madmom's bin-snapped triangles: `mirzoo.dsp.log_bin_filterbank`,
            `mirzoo.dsp.mel_bin_filterbank`) or `"custom"`.
        sample_rate: sampling rate in Hz (not for `"custom"`).
        n_fft: FFT length of the incoming spectrogram (not for `"custom"`).
        filterbank_kwargs: further arguments of the dsp function, e.g.
            `{"n_mels": 96, "f_min": 0.0, "htk": False, "norm": "slaney"}`.
        matrix: for `"custom"`, a `(n_filters, n_bins)` array of values that
            float32 can hold (NaN, ±inf and |value| > 3.4028235e+38 are refused).
        trainable_filterbank: learn the filterbank, initialised from the matrix
            (then it is a weight and is saved as one).

    Input shape: `(batch, frames, 1 + n_fft // 2[, channels])`.
    Output shape: `(batch, frames, n_filters[, channels])`.
    """

    def __init__(
        self,
        kind="mel",
        sample_rate=None,
        n_fft=None,
        filterbank_kwargs=None,
        matrix=None,
        trainable_filterbank=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.kind = kind
        self.sample_rate = sample_rate
        self.n_fft = n_fft
        self.filterbank_kwargs = dict(filterbank_kwargs or {})
        self.matrix = None if matrix is None else np.asarray(matrix, dtype=np.float64).tolist()
        self.trainable_filterbank = bool(trainable_filterbank)
        # (bins, filters): frames multiply it on the right with no transposes.
        self._kernel = build_filterbank(kind, sample_rate, n_fft, self.filterbank_kwargs, matrix).T.astype("float32")
        self.n_bins, self.n_filters = self._kernel.shape

    def build(self, input_shape):
        if self.trainable_filterbank:
            self.kernel = self.add_weight(
                name="filterbank",
                shape=self._kernel.shape,
                initializer=keras.initializers.Constant(self._kernel),
                trainable=True,
            )

    def call(self, spectrogram):
        check_spectrogram(spectrogram, "ApplyFilterbank", bins=self.n_bins)
        kernel = self.kernel if self.trainable_filterbank else ops.convert_to_tensor(self._kernel, self.compute_dtype)
        if len(spectrogram.shape) == 3:
            return ops.matmul(spectrogram, kernel)
        return ops.einsum("btkc,kf->btfc", spectrogram, kernel)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], self.n_filters) + tuple(input_shape[3:])

    def get_config(self):
        config = super().get_config()
        config.update(
            kind=self.kind,
            sample_rate=self.sample_rate,
            n_fft=self.n_fft,
            filterbank_kwargs=self.filterbank_kwargs,
            matrix=self.matrix,
            trainable_filterbank=self.trainable_filterbank,
        )
        return config
