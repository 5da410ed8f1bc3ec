import pytest

import mirzoo
from mirzoo.models.frontend import frame_rate_of
from mirzoo.registry import ARCHITECTURES, UnknownModelError


def test_list_models_names_every_architecture_with_a_tag():
    names = mirzoo.list_models()
    assert names == sorted(names)
    assert {name.split(".")[0] for name in names} == set(ARCHITECTURES)
    assert all(name.count(".") == 1 for name in names)


def test_list_models_pattern():
    assert mirzoo.list_models("crnn*") == ["crnn_tagger.mtt_distilled", "crnn_tagger.synth"]
    assert mirzoo.list_models("*singing_voice*") == [
        "bilstm_singing_voice.over_real", "bilstm_singing_voice.synth", "conv2d_singing_voice.over_real",
        "conv2d_singing_voice.synth"]
    assert mirzoo.list_models("nothing*") == []


def test_bare_architecture_resolves_to_its_default_tag():
    assert mirzoo.get_preset("crnn_tagger") is mirzoo.get_preset("crnn_tagger.mtt_distilled")
    assert mirzoo.get_preset("conv1d_tagger") is mirzoo.get_preset("conv1d_tagger.synth")
    assert mirzoo.get_preset("conv2d_singing_voice") is mirzoo.get_preset("conv2d_singing_voice.synth")


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(UnknownModelError, match="Unknown model 'crnn'.*crnn_tagger.*dnn_chroma.synth"):
        mirzoo.get_preset("crnn")


@pytest.mark.parametrize("name", mirzoo.list_models())
def test_preset_is_consistent(name):
    preset = mirzoo.get_preset(name)
    assert preset.name == name and preset.tag and preset.paper and preset.license
    assert len(set(preset.labels)) == len(preset.labels)
    if preset.task == "frames":
        assert preset.frame_rate == pytest.approx(frame_rate_of(preset))
    assert mirzoo.PresetConfig.from_dict(preset.to_dict()) == preset


def test_preset_rejects_inconsistent_fields():
    preset = mirzoo.get_preset("crnn_tagger")
    with pytest.raises(ValueError, match="frame_rate"):
        preset.replace(frame_rate=10.0)
    with pytest.raises(ValueError, match="task"):
        preset.replace(task="chords")
    with pytest.raises(ValueError, match="arch.tag"):
        preset.replace(name="other.synth")
