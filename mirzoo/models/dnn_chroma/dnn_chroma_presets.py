from mirzoo.models.labels import PITCH_CLASSES
from mirzoo.presets import PresetConfig

PRESETS = (
    PresetConfig(
        name="dnn_chroma.synth",
        arch="dnn_chroma",
        task="frames",
        sample_rate=22050,
        clip_seconds=30.0,
        frame_rate=10.0,
        labels=PITCH_CLASSES,
        frontend=dict(kind="logfreq", n_fft=4096, hop_length=2205, power=1.0, bins_per_octave=24, f_min=30.0,
                      f_max=5500.0, norm="sum", compression="log"),
        arch_config=dict(context=7, units=512, n_hidden=3, dropout=0.3),
        license="MIT",
        paper="F. Korzeniowski and G. Widmer, 'Feature learning for chord recognition: the deep chroma extractor', "
              "ISMIR 2016",
        notes="22.05 kHz with n_fft 4096 and hop 2205 keeps the paper's 5.4 Hz bin spacing and 10 fps at half the "
              "paper's 44.1 kHz rate. Trained on the project's synthetic corpus.",
    ),
)
