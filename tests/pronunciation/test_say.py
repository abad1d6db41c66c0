"""`audiobook say` as a preview: it plays what a render would say (here through a stand-in
player that keeps the file it was given, read back with the wave module), at a chosen pace."""

from __future__ import annotations

import os
import stat
import sys
import wave
from pathlib import Path

from ..conftest import run_cli


def _player(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """AUDIOBOOK_PLAYER: a script that keeps a copy of the file it is asked to play."""
    kept = tmp_path / "played.wav"
    script = tmp_path / "player"
    script.write_text(f'#!/bin/sh\ncp "$1" "{kept}"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return {"AUDIOBOOK_PLAYER": str(script)}, kept


def _seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def test_say_plays_what_a_render_would_say_at_the_pace_asked(tmp_path: Path) -> None:
    (tmp_path / "voices.toml").write_text(
        '[narrator]\nvoice = "en-us"\n[lexicon]\nSiobhan = { ipa = "ʃɪˈvɔːn" }\n',
        encoding="utf-8",
    )
    env, kept = _player(tmp_path)
    text = "Siobhan paid £5 on 12 March 1815 and came home at half past nine."
    slow = run_cli("say", text, "--rate", "120", cwd=tmp_path, env=env)
    assert slow.returncode == 0, slow.stderr
    assert "[[ʃɪvˈɔːn]] paid five pounds" in slow.stderr and "at 120 wpm" in slow.stderr
    slow_s = _seconds(kept)
    kept.unlink()
    fast = run_cli("say", text, "--rate", "240", cwd=tmp_path, env=env)
    assert fast.returncode == 0, fast.stderr
    fast_s = _seconds(kept)
    assert 3.0 < fast_s < slow_s
    assert 1.6 < slow_s / fast_s < 2.4  # twice the pace, about half the time
    assert not (tmp_path / "say.wav").exists()  # played, not written


def test_say_writes_a_file_without_a_player_and_with_o(tmp_path: Path) -> None:
    (tmp_path / "voices.toml").write_text('[narrator]\nvoice = "en-us"\n', encoding="utf-8")
    bare = {"PATH": os.path.dirname(sys.executable), "AUDIOBOOK_PLAYER": ""}
    result = run_cli("say", "Good evening.", cwd=tmp_path, env=bare)
    assert result.returncode == 0, result.stderr
    assert "no audio player found: writing say.wav" in result.stderr
    assert _seconds(tmp_path / "say.wav") > 0.5
    result = run_cli("say", "Good evening.", "--play", cwd=tmp_path, env=bare)
    assert result.returncode == 2 and "no audio player found" in result.stderr
    env, kept = _player(tmp_path)
    result = run_cli("say", "Good evening.", "-o", "evening.wav", "--play", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert kept.read_bytes() == (tmp_path / "evening.wav").read_bytes()


def test_say_refuses_nothing_and_an_unknown_voice_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "voices.toml").write_text('[narrator]\nvoice = "en-us"\n', encoding="utf-8")
    empty = run_cli("say", "   ", cwd=tmp_path)
    assert empty.returncode == 2 and empty.stderr.strip() == (
        'audiobook: error: nothing to say; give a word or a sentence: audiobook say "Hermione"'
    )
    unknown = run_cli("say", "Hello", "--voice", "nosuch", "-o", "x.wav", cwd=tmp_path)
    assert unknown.returncode == 2 and len(unknown.stderr.strip().splitlines()) == 1
    assert "--voice 'nosuch' is neither a voice of voices.toml (narrator)" in unknown.stderr
    bad_player = run_cli("say", "Hello", cwd=tmp_path, env={"AUDIOBOOK_PLAYER": "no-such-player"})
    assert bad_player.returncode == 2 and "'no-such-player' is not a program" in bad_player.stderr


def test_a_player_that_fails_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "voices.toml").write_text('[narrator]\nvoice = "en-us"\n', encoding="utf-8")
    broken = tmp_path / "player"
    broken.write_text("#!/bin/sh\necho 'no sound card' >&2\nexit 3\n", encoding="utf-8")
    broken.chmod(0o755)
    result = run_cli("say", "Hello.", cwd=tmp_path, env={"AUDIOBOOK_PLAYER": str(broken)})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]  # after the "said ..." line
    assert last.startswith("audiobook: error: ") and last.endswith("/say.wav (exit 3)")
    assert "player could not play" in last
