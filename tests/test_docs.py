from pathlib import Path

from app.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_setting_is_documented_in_the_readme():
    missing = [name for name in Settings.model_fields if f"`REGISTRE_{name.upper()}`" not in README]
    assert not missing, f"settings missing from the README's table: {missing}"


def test_readme_first_screen_has_the_two_commands():
    first_screen = "\n".join(README.splitlines()[:40])
    assert "make demo" in first_screen and "make test" in first_screen


def test_the_readme_quotes_the_benchmark_figures_of_latest_json():
    import json
    import sys

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    from benchmarks.readme import RESULTS, block, render

    results = json.loads(RESULTS.read_text())
    assert block(results) in README, "README's figures are not latest.json's: python benchmarks/readme.py"
    # The paragraph follows the file: a figure changed there changes what the README must say.
    changed = json.loads(json.dumps(results))
    changed["latency"]["sources_p50_s"] += 1.0
    assert render(changed) != render(results)
    assert render({}) == "No benchmark has been run yet (`make bench`)."
