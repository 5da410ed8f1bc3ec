"""PresetConfig.training: a record of how mirzoo.train made a preset's weights, outside their contract."""

import json

import pytest

import mirzoo
from mirzoo.presets import InvalidPresetError, PresetConfig


def test_a_preset_without_a_training_record_has_an_empty_one_and_one_with_it_reads_back():
    shipped = mirzoo.get_preset("crnn_tagger")
    assert shipped.training == {}
    data = shipped.to_dict()
    del data["training"]  # a preset.json written before the field existed
    assert PresetConfig.from_dict(data) == shipped
    record = {"base_preset": "crnn_tagger.synth", "epochs": 3, "base_weights": None}
    assert PresetConfig.from_dict({**data, "training": record}).training == record


def test_a_training_record_that_is_not_a_mapping_is_refused():
    data = mirzoo.get_preset("crnn_tagger").to_dict()
    with pytest.raises(InvalidPresetError, match=r"training must be a mapping; received \['epochs', 3\]"):
        PresetConfig.from_dict({**data, "training": ["epochs", 3]})


def test_the_training_record_is_not_part_of_the_weights_contract(tmp_path):
    """Like notes and metrics it describes; editing it does not make load refuse the weights."""
    mirzoo.save_preset(mirzoo.build("conv1d_tagger"), tmp_path)
    path = tmp_path / "preset.json"
    data = json.loads(path.read_text())
    assert data["training"] == {}
    path.write_text(json.dumps({**data, "training": {"seed": 7}}))
    assert mirzoo.load(tmp_path).preset.training == {"seed": 7}
    del data["training"]
    path.write_text(json.dumps(data))
    assert mirzoo.load(tmp_path).preset.training == {}
