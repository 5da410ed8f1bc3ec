"""Training-only augmentation: SpecAugment masks and random gain. Identity at inference."""

import keras
from keras import ops

from mirzoo.layers.base import AudioLayer
from mirzoo.layers.checks import check_float32_number, check_spectrogram, check_waveform, is_finite_number

# Gains beyond ±120 dB (a factor of 10^6) are no augmentation; the bound keeps audio in [-1, 1] finite in float32.
MAX_GAIN_DB = 120.0


def _random_band(batch, length, max_width, seed_generator):
    """Boolean `(batch, length)`: one band per example, width in [0, max_width], start uniform."""
    length_f = ops.cast(length, "float32")
    width = ops.floor(keras.random.uniform((batch,), seed=seed_generator) * (max_width + 1))
    width = ops.minimum(width, length_f)
    start = ops.floor(keras.random.uniform((batch,), seed=seed_generator) * (length_f - width + 1.0))
    positions = ops.cast(ops.arange(length), "float32")[None, :]
    return ops.logical_and(positions >= start[:, None], positions < (start + width)[:, None])


@keras.saving.register_keras_serializable(package="mirzoo")
class SpecAugment(AudioLayer):
    """Time and frequency masking (Park et al., 2019), drawn per example, training only.

    Args:
        freq_mask_param: widest frequency mask F in bins (widths uniform in [0, F]).
        time_mask_param: widest time mask T in frames.
        n_freq_masks, n_time_masks: masks of each kind per example.
        mask_value: value written into masked cells (e.g. the dB floor); a finite
            number that float32 can hold (NaN, ±inf and |value| > 3.4e38 are refused).
        seed: integer seed for reproducible masks.

    Input / output shape: `(batch, frames, bins[, channels])`.
    """

    def __init__(
        self, freq_mask_param=8, time_mask_param=16, n_freq_masks=1, n_time_masks=1, mask_value=0.0, seed=None, **kwargs
    ):
        super().__init__(**kwargs)
        for name, value in (
            ("freq_mask_param", freq_mask_param),
            ("time_mask_param", time_mask_param),
            ("n_freq_masks", n_freq_masks),
            ("n_time_masks", n_time_masks),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"`{name}` must be an integer >= 0. Received: {name}={value!r}")
        self.freq_mask_param = freq_mask_param
        self.time_mask_param = time_mask_param
        self.n_freq_masks = n_freq_masks
        self.n_time_masks = n_time_masks
        self.mask_value = check_float32_number("mask_value", mask_value)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, x, training=None):
        check_spectrogram(x, "SpecAugment")
        if not training:
            return x
        batch, frames, bins = ops.shape(x)[0], ops.shape(x)[1], ops.shape(x)[2]
        time_mask = ops.zeros((batch, frames), dtype="bool")
        for _ in range(self.n_time_masks):
            band = _random_band(batch, frames, self.time_mask_param, self.seed_generator)
            time_mask = ops.logical_or(time_mask, band)
        freq_mask = ops.zeros((batch, bins), dtype="bool")
        for _ in range(self.n_freq_masks):
            freq_mask = ops.logical_or(freq_mask, _random_band(batch, bins, self.freq_mask_param, self.seed_generator))
        mask = ops.logical_or(time_mask[:, :, None], freq_mask[:, None, :])
        if len(x.shape) == 4:
            mask = mask[..., None]
        return ops.where(mask, ops.cast(self.mask_value, x.dtype), x)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            freq_mask_param=self.freq_mask_param,
            time_mask_param=self.time_mask_param,
            n_freq_masks=self.n_freq_masks,
            n_time_masks=self.n_time_masks,
            mask_value=self.mask_value,
            seed=self.seed,
        )
        return config


@keras.saving.register_keras_serializable(package="mirzoo")
class RandomGain(AudioLayer):
    """Scale each waveform by a gain drawn uniformly in dB, training only.

    Args:
        min_gain_db, max_gain_db: range of the gain in dB (min <= max), each a
            finite number in [-120, 120] (gains of 10^-6 to 10^6), so audio in
            [-1, 1] stays finite in float32.
        seed: integer seed for reproducible gains.

    Input / output shape: `(batch, samples[, channels])`.
    """

    def __init__(self, min_gain_db=-6.0, max_gain_db=6.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("min_gain_db", min_gain_db), ("max_gain_db", max_gain_db)):
            if not is_finite_number(value) or abs(value) > MAX_GAIN_DB:
                raise ValueError(
                    f"`{name}` must be a finite number of dB in [-{MAX_GAIN_DB:g}, {MAX_GAIN_DB:g}]. "
                    f"Received: {name}={value!r}"
                )
        if not min_gain_db <= max_gain_db:
            raise ValueError(
                f"`min_gain_db` must not exceed `max_gain_db`. Received: {min_gain_db} > {max_gain_db}"
            )
        self.min_gain_db = float(min_gain_db)
        self.max_gain_db = float(max_gain_db)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, waveform, training=None):
        check_waveform(waveform, "RandomGain")
        if not training:
            return waveform
        gain_db = keras.random.uniform(
            (ops.shape(waveform)[0],), self.min_gain_db, self.max_gain_db, seed=self.seed_generator
        )
        gain = ops.power(10.0, gain_db / 20.0)
        return waveform * ops.reshape(gain, (-1,) + (1,) * (len(waveform.shape) - 1))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(min_gain_db=self.min_gain_db, max_gain_db=self.max_gain_db, seed=self.seed)
        return config
