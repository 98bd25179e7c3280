from pathlib import Path

from app.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_setting_is_documented_in_the_readme():
    missing = [name for name in Settings.model_fields if f"`REGISTRE_{name.upper()}`" not in README]
    assert not missing, f"settings missing from the README's table: {missing}"


def test_readme_first_screen_has_the_two_commands():
    first_screen = "\n".join(README.splitlines()[:40])
    assert "make demo" in first_screen and "make test" in first_screen
