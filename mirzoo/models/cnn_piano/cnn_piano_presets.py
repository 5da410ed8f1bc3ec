from mirzoo.models.labels import PIANO_HEADS, PIANO_KEYS
from mirzoo.models.madmom_ports import HARMONY_EVALUATION, madmom_preset

PRESETS = (
    madmom_preset(
        "cnn_piano",
        labels=tuple(f"{head}_{key}" for head in PIANO_HEADS for key in PIANO_KEYS),
        frame_rate=50.0,
        # 50 frames per second (hop 882), frames of 4096, 24 bands per octave from 30 Hz to 10 kHz (144 bands).
        frontend=dict(kind="filtered", n_fft=4096, hop_length=882, filterbank="log_bins", bands_per_octave=24,
                      f_min=30.0, f_max=10000.0, unique_filters=True, log_multiplier=1.0, log_shift=1.0,
                      log_base="10"),
        arch_config=dict(filters=30, kernels=((3, 3), (1, 35), (7, 1)), head_filters=10, context=5),
        paper="R. Kelz, S. Böck and G. Widmer, 'Deep polyphonic ADSR piano note transcription', ICASSP 2019",
        metrics={"synthetic_note_f_measure_onset": 0.907, "synthetic_note_f_measure_offset": 0.839,
                 "source": HARMONY_EVALUATION},
        files="notes/2019/notes_cnn.pkl",
        extra="Notes are decoded with madmom's ADSR note tracker (ADSRNoteTrackingProcessor defaults).",
        decoder=dict(name="notes"),
    ),
)
