import json
import subprocess
import sys

import librosa
import numpy as np
import soundfile

from mirzoo.cli import main
from mirzoo.testing import harmonic_test_signal


def write_clip(path, sample_rate=22050, seconds=1.0):
    soundfile.write(path, harmonic_test_signal(sample_rate, seconds), sample_rate)
    return str(path)


def test_spectrogram_prints_json_saves_and_plots(tmp_path, capsys):
    clip = write_clip(tmp_path / "a b é.wav")
    out_npy, out_png = tmp_path / "mel.npy", tmp_path / "mel.png"
    code = main(["spectrogram", clip, "--sample-rate", "16000", "--n-fft", "512", "--hop-length", "256",
                 "--n-mels", "64", "--save", str(out_npy), "--plot", str(out_png), "--no-progress"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip())
    assert summary["frames"] == 1 + 16000 // 256 and summary["bins"] == 64
    saved = np.load(out_npy)
    y, _ = librosa.load(clip, sr=16000, res_type="soxr_hq")
    reference = librosa.power_to_db(
        librosa.feature.melspectrogram(y=y.astype(np.float64), sr=16000, n_fft=512, hop_length=256, n_mels=64),
        top_db=80,
    ).T
    np.testing.assert_allclose(saved, reference, atol=0.01)
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_files_are_reported_and_the_rest_processed(tmp_path, capsys):
    good = write_clip(tmp_path / "good.flac")
    garbage = tmp_path / "garbage.wav"
    garbage.write_text("not audio")
    code = main(["spectrogram", str(tmp_path / "missing.wav"), str(garbage), good, "--kind", "logfreq",
                 "--plot", str(tmp_path / "lf.png"), "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1
    errors = [line for line in captured.err.splitlines() if line.startswith("mirzoo: error:")]
    assert len(errors) == 2 and "missing.wav: no such file" in errors[0] and "cannot decode" in errors[1]
    assert json.loads(captured.out.strip())["file"] == good
    assert (tmp_path / "lf_good.png").exists()


def test_invalid_parameters_are_one_line_and_exit_2(tmp_path, capsys):
    code = main(["spectrogram", write_clip(tmp_path / "c.wav"), "--sample-rate", "8000", "--f-max", "6000"])
    assert code == 2
    assert "Nyquist" in capsys.readouterr().err


def test_python_dash_m_entry_point():
    result = subprocess.run([sys.executable, "-m", "mirzoo", "--version"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and result.stdout.startswith("mirzoo ")
