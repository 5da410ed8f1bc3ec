"""musicnn's vgg taggers for MagnaTagATune and the Million Song Dataset, converted from `musicnn` 0.1.0."""

from mirzoo.models.musicnn.musicnn_presets import (
    FRONTEND, HOP_LENGTH, LICENSE, MSD_LABELS, MTT_LABELS, PAPER, PATCH_FRAMES, PORT_NOTES, SAMPLE_RATE,
    reported_metrics,
)
from mirzoo.presets import PresetConfig


def vgg_preset(dataset, labels, metrics):
    return PresetConfig(
        name=f"musicnn_vgg.{dataset.lower()}",
        arch="musicnn_vgg",
        task="tagging",
        sample_rate=SAMPLE_RATE,
        clip_seconds=PATCH_FRAMES * HOP_LENGTH / SAMPLE_RATE,
        frame_rate=None,
        labels=labels,
        frontend=dict(FRONTEND),
        arch_config=dict(patch_frames=PATCH_FRAMES, filters=128, block_dropout=0.25, dropout=0.5),
        metrics=metrics,
        license=LICENSE,
        paper=PAPER,
        notes=PORT_NOTES.format(checkpoint=f"{dataset}_vgg") + " The embedding is the 256-d flattened last "
              "pooling that feeds the head (the vgg has no penultimate dense layer).",
    )


PRESETS = (
    vgg_preset("MTT", MTT_LABELS, reported_metrics(0.9030, 0.3823, "MTT_vgg")),
    vgg_preset("MSD", MSD_LABELS, reported_metrics(0.8768, 0.2819, "MSD_vgg")),
)
