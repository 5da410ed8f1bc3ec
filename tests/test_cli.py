import json
import os
import subprocess
import sys

import librosa
import numpy as np
import pytest
import soundfile

import mirzoo
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


def test_list_and_info(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["name", "task"]
    assert [line.split()[0] for line in lines[1:]] == mirzoo.list_models()
    assert all(line == line.rstrip() for line in lines)
    assert main(["list", "crnn*"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]] == ["crnn_tagger.mtt_distilled",
                                                                                     "crnn_tagger.synth"]
    assert main(["info", "dnn_chroma", "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info == mirzoo.get_preset("dnn_chroma").to_dict() | {"labels": list(mirzoo.get_preset("dnn_chroma").labels)}


def test_info_prints_a_readable_summary_and_counts_parameters_on_request(capsys):
    preset = mirzoo.get_preset("crnn_tagger")
    assert main(["info", "crnn_tagger"]) == 0
    fields = {}
    for line in capsys.readouterr().out.splitlines():
        if not line.startswith(" "):
            field, _, value = line.partition("  ")
            fields[field] = value.strip()
    assert fields["name"] == preset.name
    assert fields["input"].startswith(f"mono audio at {preset.sample_rate} Hz")
    assert fields["labels"].startswith(", ".join(preset.labels[:3]))
    assert preset.weights.sha256[:16] in fields["weights"] and fields["licence"] == preset.license
    assert "parameters" not in fields
    assert main(["info", "crnn_tagger", "--parameters", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["parameters"] == mirzoo.build("crnn_tagger").count_params()


def test_help_list_info_and_a_misspelled_name_import_neither_keras_nor_tensorflow():
    """They answer in well under a second because Keras and TensorFlow (seconds to import) stay out."""
    code = """
import contextlib, io, sys
from mirzoo.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    for argv in (["list"], ["info", "musicnn.mtt"], ["info", "crnn_tager"], ["predict", "crnn_tager", "x.wav"],
                 ["train", "crnn_tager", "--train", "t.csv", "--out", "o"]):
        main(argv)
    try:
        main(["--help"])
    except SystemExit:
        pass
print(sorted(name for name in ("keras", "tensorflow", "jax", "torch") if name in sys.modules))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_misspelled_name_gets_a_suggestion(capsys):
    assert main(["predict", "crnn_tager", "x.wav"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("mirzoo: error: Unknown model 'crnn_tager'. Did you mean 'crnn_tagger'")
    default = mirzoo.get_preset("crnn_tagger").name
    assert f"'{default}'" not in error.split("Valid names")[0]  # the same model is suggested once


def test_tensorflow_start_up_lines_are_hidden_unless_verbose(tmp_path):
    """Only mirzoo's output: TensorFlow 2.21 prints its oneDNN and CPU-feature notices while loading."""
    clip = write_clip(tmp_path / "c.wav", 16000, 1.0)
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    run = [sys.executable, "-m", "mirzoo", "predict", "conv1d_tagger", clip, "--no-progress"]
    quiet = subprocess.run(run, capture_output=True, text=True, timeout=300, env=env)
    assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout.startswith(clip)
    # What importing Keras prints on this machine is what --verbose shows before the results.
    plain = subprocess.run([sys.executable, "-c", "import keras"], capture_output=True, text=True, timeout=300,
                           env=env)
    expected = [line.split("]", 1)[-1] for line in plain.stderr.splitlines()]  # without timestamps and pids
    for asked in (subprocess.run(run + ["--verbose"], capture_output=True, text=True, timeout=300, env=env),
                  subprocess.run(run, capture_output=True, text=True, timeout=300,
                                 env={**env, "TF_CPP_MIN_LOG_LEVEL": "0"})):
        assert asked.returncode == 0 and asked.stdout == quiet.stdout
        shown = [line.split("]", 1)[-1] for line in asked.stderr.splitlines()]
        assert shown[: len(expected)] == expected


def test_a_closed_pipe_ends_quietly(tmp_path):
    """`mirzoo list | head -1`: no `Broken pipe` message, the status of a writer the pipe closed on."""
    process = subprocess.Popen([sys.executable, "-m", "mirzoo", "list"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.close()  # before the interpreter has started: every write meets a closed pipe
    _, err = process.communicate(timeout=120)
    assert err == b"" and process.returncode == 141


@pytest.fixture(scope="module")
def preset_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli_presets")
    dirs = {}
    for name in ("crnn_tagger", "conv2d_singing_voice"):
        dirs[name] = str(root / name)
        mirzoo.save_preset(mirzoo.build(f"{name}.synth"), dirs[name])
    return dirs


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_predict_tagger_formats_and_plot(preset_dirs, tmp_path, capsys, fmt):
    clips = [write_clip(tmp_path / "one.wav", 44100, 12.0), write_clip(tmp_path / "two.flac", 22050, 3.0)]
    plot = tmp_path / "tags.png"
    code = main(["predict", preset_dirs["crnn_tagger"], *clips, "--top", "3", "--format", fmt, "--plot", str(plot),
                 "--no-progress"])
    assert code == 0
    out = capsys.readouterr().out.strip().splitlines()
    expected = {clip: mirzoo.predict(mirzoo.load(preset_dirs["crnn_tagger"]), clip).top(3) for clip in clips}
    if fmt == "json":
        records = [json.loads(line) for line in out]
        assert [r["file"] for r in records] == clips
        for record in records:
            assert [label for label, _ in record["top"]] == [label for label, _ in expected[record["file"]]]
            assert len(record["taggram"][0]) == 12
    elif fmt == "csv":
        assert out[0] == "file,label,score" and len(out) == 1 + 2 * 3
        assert out[1].split(",")[:2] == [clips[0], expected[clips[0]][0][0]]
    else:
        assert out[0] == f"{clips[0]} (12.0 s)" and out[1].split() == ["label", "score"]
        assert out[2].split() == [expected[clips[0]][0][0], f"{expected[clips[0]][0][1]:.3f}"]
        assert all(line == line.rstrip() for line in out)
    for clip in clips:
        stem = os.path.splitext(os.path.basename(clip))[0]
        assert (tmp_path / f"tags_{stem}.png").read_bytes()[:4] == b"\x89PNG"


def test_predict_frame_model_with_bad_files(preset_dirs, tmp_path, capsys):
    good = write_clip(tmp_path / "voice.wav", 22050, 2.0)
    text = tmp_path / "notes.wav"
    text.write_text("text")
    code = main(["predict", preset_dirs["conv2d_singing_voice"], str(tmp_path), str(text), good,
                 "--plot", str(tmp_path / "voice.png"), "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1
    errors = captured.err.strip().splitlines()
    assert len(errors) == 2 and "is a directory" in errors[0] and "cannot decode" in errors[1]
    result = mirzoo.predict(mirzoo.load(preset_dirs["conv2d_singing_voice"]), good)
    sung = [segment for segment in result.segments() if segment.labels]
    lines = captured.out.splitlines()
    assert lines[0].startswith(f"{good} (2.0 s): voice in {len(sung)} segment(s)")
    assert [line.split() for line in lines[2:]] == [[f"{s.start:.2f}", f"{s.end:.2f}", "voice"] for s in sung]
    assert (tmp_path / "voice_voice.png").exists()


def test_predict_uses_the_presets_segments_threshold(preset_dirs, tmp_path, capsys):
    """A voice detector's decision threshold is its preset's (`"segments"` decoder); --threshold overrides it."""
    clip = write_clip(tmp_path / "voice.wav", 22050, 4.0)
    model = mirzoo.load(preset_dirs["conv2d_singing_voice"])
    threshold = float(np.round(np.median(mirzoo.predict(model, clip).activations), 3))
    model.preset = model.preset.replace(decoder={"name": "segments", "threshold": threshold})
    folder = str(tmp_path / "tuned")
    mirzoo.save_preset(model, folder)
    for extra, expected in (([], threshold), (["--threshold", "0.5"], 0.5)):
        assert main(["predict", folder, clip, "--no-progress", *extra]) == 0
        lines = capsys.readouterr().out.splitlines()
        sung = [s for s in mirzoo.predict(mirzoo.load(folder), clip).segments(threshold=expected) if s.labels]
        assert lines[0].endswith(f"(activation >= {expected:g})")
        assert [line.split() for line in lines[2:]] == [[f"{s.start:.2f}", f"{s.end:.2f}", "voice"] for s in sung]
        assert main(["predict", folder, clip, "--no-progress", "--format", "json", *extra]) == 0
        written = json.loads(capsys.readouterr().out)
        assert written["threshold"] == expected
        assert written["segments"] == [[s.start, s.end, list(s.labels)] for s in
                                       mirzoo.predict(mirzoo.load(folder), clip).segments(threshold=expected)]


def test_predict_without_weights_is_one_line(tmp_path, capsys):
    from mirzoo.presets import write_preset

    write_preset(mirzoo.get_preset("crnn_tagger").replace(weights=None), tmp_path / "untrained")
    assert main(["predict", str(tmp_path / "untrained"), write_clip(tmp_path / "a.wav")]) == 2
    assert "no trained weights yet" in capsys.readouterr().err


def test_csv_header_comes_first_even_when_the_first_file_fails(preset_dirs, tmp_path, capsys):
    clip = write_clip(tmp_path / "ok.wav", 12000, 2.0)
    code = main(["predict", preset_dirs["crnn_tagger"], str(tmp_path / "missing.wav"), clip, clip,
                 "--format", "csv", "--top", "2", "--no-progress"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 1 and lines[0] == "file,label,score" and len(lines) == 1 + 2 * 2


@pytest.mark.parametrize("command", [["spectrogram"], ["spectrogram", "--no-progress", "--save", "{out}.npy"],
                                     ["predict", "conv1d_tagger", "--no-progress"]])
def test_outputs_that_two_files_would_share_are_refused_before_any_work(tmp_path, capsys, command):
    """d1/x.wav and d2/x.wav used to write out_x.png in turn, the second overwriting the first."""
    first, second = tmp_path / "d1" / "x.wav", tmp_path / "d2" / "x.wav"
    for path in (first, second):
        path.parent.mkdir()
        write_clip(path)
    out = str(tmp_path / "out")
    argv = [part.format(out=out) for part in command] + [str(first), str(second), "--plot", out + ".png"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    clashing = f"{out}_x.npy" if "--save" in command else f"{out}_x.png"  # --save is checked first
    assert captured.err.strip() == (f"mirzoo: error: {first} and {second} would both be written to {clashing}; "
                                    "rename one or run them one at a time.")
    assert sorted(os.listdir(tmp_path)) == ["d1", "d2"]


@pytest.mark.parametrize("option, value, message", [
    ("--top", "-2", "must be an integer >= 1; received -2"),
    ("--top", "0", "must be an integer >= 1; received 0"),
    ("--hop", "inf", "must be a finite number > 0; received inf"),
    ("--hop", "nan", "must be a finite number > 0; received nan"),
    ("--hop", "-1", "must be a finite number > 0; received -1"),
    ("--weights", "", "must be a path; received an empty string"),
    ("--plot", "", "must be a path; received an empty string"),
])
def test_predict_options_out_of_range_are_argument_errors(tmp_path, capsys, option, value, message):
    """argparse's own error (exit 2) instead of dropped labels, a traceback or the default weights."""
    with pytest.raises(SystemExit) as exited:
        main(["predict", "conv1d_tagger", write_clip(tmp_path / "c.wav"), option, value])
    assert exited.value.code == 2
    assert f"argument {option}: {message}" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--f-min", "--f-max"])
def test_a_zero_frequency_reaches_the_layer_instead_of_a_silent_default(tmp_path, capsys, option):
    """`--f-min 0` used to run the log-frequency front end at 30 Hz and `--f-max 0` at 5500 Hz without a word."""
    assert main(["spectrogram", write_clip(tmp_path / "c.wav"), "--kind", "logfreq", option, "0"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("mirzoo: error:") and option.lstrip("-").replace("-", "_") in error


def test_a_missing_output_folder_is_refused_before_any_work(tmp_path, capsys):
    clip = write_clip(tmp_path / "c.wav")
    assert main(["predict", "conv1d_tagger", clip, "--plot", str(tmp_path / "nodir" / "out.png")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == (f"mirzoo: error: --plot {tmp_path / 'nodir' / 'out.png'}: the folder "
                                    f"{tmp_path / 'nodir'} does not exist; create it first.")


def test_a_plot_that_fails_keeps_the_scores(preset_dirs, tmp_path, capsys):
    clip = write_clip(tmp_path / "c.wav", 12000, 2.0)
    (tmp_path / "taken.png").mkdir()  # savefig cannot write a file where a folder is
    code = main(["predict", preset_dirs["crnn_tagger"], clip, "--plot", str(tmp_path / "taken.png"), "--top", "2",
                 "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1 and len(captured.out.splitlines()) == 1 + 1 + 2
    assert captured.err.startswith("mirzoo: error:") and "taken.png" in captured.err


def run_in_terminal(argv, timeout=300):
    """Run the CLI with stderr on a pseudo-terminal (where the progress bar is drawn); returns (status, stderr)."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a terminal 120 columns wide
    process = subprocess.Popen([sys.executable, "-m", "mirzoo", *argv], stdout=subprocess.DEVNULL,
                               stderr=follower, close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the terminal's last writer has gone
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=timeout), b"".join(chunks).decode("utf-8", "replace")


def test_the_progress_bar_moves_within_a_file_and_does_not_claim_a_failed_run(tmp_path):
    long_clip = tmp_path / "long.flac"
    soundfile.write(long_clip, harmonic_test_signal(16000, 25.0), 16000)
    status, bar = run_in_terminal(["predict", "conv1d_tagger", str(long_clip)])
    assert status == 0
    # stream_audio reads 10 s blocks: the bar shows the first 10 s done before the file ends.
    assert "10.0/25.0 s of audio" in bar and "1 of 1 files: 100%" in bar
    (tmp_path / "bad.wav").write_text("not audio")
    status, bar = run_in_terminal(["predict", "conv1d_tagger", str(tmp_path / "bad.wav"), str(tmp_path / "x.wav")])
    assert status == 1 and "0 of 2 files, 2 failed" in bar and "100%" not in bar
