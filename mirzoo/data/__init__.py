"""Training data: manifests, dataset readers and tf.data pipelines."""

from mirzoo.data.manifest import ManifestEntry, read_frame_labels, read_manifest, write_manifest
from mirzoo.data.pipeline import SkippedAudioWarning, from_manifest
from mirzoo.data.readers import read_gtzan, read_magnatagatune

__all__ = [
    "ManifestEntry",
    "SkippedAudioWarning",
    "from_manifest",
    "read_frame_labels",
    "read_gtzan",
    "read_magnatagatune",
    "read_manifest",
    "write_manifest",
]
