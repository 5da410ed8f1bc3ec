from mirzoo.models.labels import VOICE
from mirzoo.presets import PresetConfig

PRESETS = (
    PresetConfig(
        name="bilstm_singing_voice.synth",
        arch="bilstm_singing_voice",
        task="frames",
        sample_rate=22050,
        clip_seconds=20.0,
        frame_rate=70.0,
        labels=VOICE,
        frontend=dict(kind="mel", n_fft=1024, hop_length=315, n_mels=80, f_min=27.5, f_max=8000.0,
                      compression="db", top_db=None),
        arch_config=dict(units=(30, 20, 40), dropout=0.2),
        license="MIT",
        paper="S. Leglaive, R. Hennequin and R. Badeau, 'Singing voice detection with deep recurrent neural "
              "networks', ICASSP 2015",
        notes="Fed the same 80-band log-mel (70 fps) as conv2d_singing_voice instead of the paper's HPSS-based "
              "features; top_db is off so that long audio processed in chunks equals audio processed whole.",
    ),
)
