"""musicnn's vgg taggers for MagnaTagATune and the Million Song Dataset, converted from `musicnn` 0.1.0."""

from mirzoo.models.labels import MTT_LABELS
from mirzoo.models.musicnn.musicnn_presets import MSD_LABELS, PORT_NOTES, ported_preset, reported_metrics


def vgg_preset(dataset, labels, metrics):
    return ported_preset("musicnn_vgg", dataset, labels, metrics,
                         dict(filters=128, block_dropout=0.25, dropout=0.5),
                         PORT_NOTES.format(checkpoint=f"{dataset}_vgg") + " The embedding is the 256-d flattened "
                         "last pooling that feeds the head (the vgg has no penultimate dense layer).")


PRESETS = (
    vgg_preset("MTT", MTT_LABELS, reported_metrics(0.9030, 0.3823, "MTT_vgg")),
    vgg_preset("MSD", MSD_LABELS, reported_metrics(0.8768, 0.2819, "MSD_vgg")),
)
