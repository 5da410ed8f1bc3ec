"""musicnn's MagnaTagATune and Million Song Dataset taggers, converted from the `musicnn` 0.1.0 package.

The weights are not shipped with mirzoo: `mirzoo.load` converts the TF1 checkpoints of an installed
`musicnn` package (`pip install --no-deps musicnn==0.1.0`) on first use into a user cache
(see `mirzoo.converters.musicnn`).
"""

from mirzoo.models.labels import MTT_LABELS
from mirzoo.presets import PresetConfig

MSD_LABELS = (
    "rock", "pop", "alternative", "indie", "electronic", "female vocalists", "dance", "00s", "alternative rock",
    "jazz", "beautiful", "metal", "chillout", "male vocalists", "classic rock", "soul", "indie rock", "Mellow",
    "electronica", "80s", "folk", "90s", "chill", "instrumental", "punk", "oldies", "blues", "hard rock",
    "ambient", "acoustic", "experimental", "female vocalist", "guitar", "Hip-Hop", "70s", "party", "country",
    "easy listening", "sexy", "catchy", "funk", "electro", "heavy metal", "Progressive rock", "60s", "rnb",
    "indie pop", "sad", "House", "happy",
)

SAMPLE_RATE = 16000
PATCH_FRAMES = 187
HOP_LENGTH = 256
# musicnn's front end: librosa.feature.melspectrogram(sr=16000, n_fft=512, hop_length=256, n_mels=96),
# Slaney mel with Slaney area normalisation, zero padding for center=True, then log10(1 + 10000·mel).
FRONTEND = dict(kind="mel", n_fft=512, hop_length=HOP_LENGTH, n_mels=96, compression="log10",
                log_multiplier=10000.0)
PAPER = ("J. Pons and X. Serra, 'musicnn: pre-trained convolutional neural networks for music audio tagging', "
         "ISMIR 2019 late-breaking/demo (arXiv:1909.06654)")
LICENSE = "ISC (musicnn 0.1.0, Jordi Pons and Xavier Serra)"
PORT_NOTES = (
    "Weights converted from musicnn 0.1.0's {checkpoint} TF1 checkpoint on first use (pip install --no-deps "
    "musicnn==0.1.0). The front end is in the graph and computes log10(1 + 10000·mel) in float32, where musicnn "
    "first rounds the mel power to float16 (a log-mel difference of at most 2.1e-4). As in musicnn, the "
    "whole-file spectrogram is cut into non-overlapping 187-frame (2.992 s) patches and the frames after the "
    "last whole patch are dropped; audio shorter than one patch (47,616 samples), on which musicnn crashes, is "
    "zero-padded to one patch. The taggram holds the sigmoid scores of each patch and the track-level tags are "
    "their mean (musicnn's top_tags). Metrics are the original authors' reported test results, not measured by "
    "mirzoo. Input: 16 kHz mono; mirzoo resamples files with soxr (musicnn 0.1.0's librosa load resamples with "
    "resampy or soxr depending on the librosa version)."
)


def reported_metrics(roc_auc, pr_auc, checkpoint):
    """The original authors' test results (macro ROC-AUC and PR-AUC over the 50 tags), marked as theirs."""
    return {"test_roc_auc": roc_auc, "test_pr_auc": pr_auc,
            "source": f"reported by Pons & Serra in musicnn 0.1.0 ({checkpoint}/experiment.result); "
                      "not measured by mirzoo"}


def ported_preset(arch, dataset, labels, metrics, arch_config, notes):
    """A musicnn 0.1.0 port's preset: the input contract (rate, patch length, front end) the ports share."""
    return PresetConfig(
        name=f"{arch}.{dataset.lower()}",
        arch=arch,
        task="tagging",
        sample_rate=SAMPLE_RATE,
        clip_seconds=PATCH_FRAMES * HOP_LENGTH / SAMPLE_RATE,
        frame_rate=None,
        labels=labels,
        frontend=dict(FRONTEND),
        arch_config=dict(patch_frames=PATCH_FRAMES, **arch_config),
        metrics=metrics,
        license=LICENSE,
        paper=PAPER,
        notes=notes,
    )


def musicnn_preset(dataset, labels, metrics):
    return ported_preset("musicnn", dataset, labels, metrics,
                         dict(timbral_filters=204, temporal_filters=51, midend_filters=64, backend_units=200,
                              dropout=0.5),
                         PORT_NOTES.format(checkpoint=f"{dataset}_musicnn"))


PRESETS = (
    musicnn_preset("MTT", MTT_LABELS, reported_metrics(0.9067, 0.3831, "MTT_musicnn")),
    musicnn_preset("MSD", MSD_LABELS, reported_metrics(0.8802, 0.2891, "MSD_musicnn")),
)
