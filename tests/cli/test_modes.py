"""The encoder's three modes, named in one place (cvlfic.lfic.modes) and offered by every
command that encodes."""
import pytest

from cvlfic.cli import build_parser
from cvlfic.lfic.modes import DEFAULT_MODE, MODES, Mode, check_mode


def test_the_modes():
    assert MODES == ("fast", "fixed", "best") and DEFAULT_MODE is Mode.FAST
    assert check_mode("best") is Mode.BEST and check_mode(Mode.FIXED) == "fixed"
    with pytest.raises(ValueError, match="'fast', 'fixed', 'best'"):
        check_mode("slow")


@pytest.mark.parametrize("command", [["encode", "face.png"], ["archive", "src", "dst"]])
def test_every_encoding_command_offers_every_mode(command, capsys):
    parser = build_parser()
    assert parser.parse_args(command).mode == "fast"
    for mode in MODES:
        assert parser.parse_args([*command, "--mode", mode]).mode == mode
    with pytest.raises(SystemExit):
        parser.parse_args([*command, "--mode", "slow"])
    assert "invalid choice" in capsys.readouterr().err


def test_the_archive_settings_check_the_mode():
    from cvlfic.archive import CodingSettings
    assert CodingSettings(mode=Mode.BEST).to_json()["mode"] == "best"
    with pytest.raises(ValueError, match="mode must be one of"):
        CodingSettings(mode="slow")
