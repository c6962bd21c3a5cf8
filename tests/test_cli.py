"""The command line: demo on a tiny model (fast) and on MiniLM (slow), doctor."""

from __future__ import annotations

import pytest

from llmrec_course import cli
from llmrec_course.demo import DEMO_ITEMS, DEMO_USERS, recommend_demo


def test_demo_structure(tiny_bert):
    recs = recommend_demo(tiny_bert, k=5)
    assert len(recs) == 5 * len(DEMO_USERS)
    history = {u[0]: set(u[2]) for u in DEMO_USERS}
    for user_id, *_ in DEMO_USERS:
        mine = [r for r in recs if r.user_id == user_id]
        assert [r.rank for r in mine] == [1, 2, 3, 4, 5]
        assert all(a.score >= b.score for a, b in zip(mine, mine[1:]))
        assert not {r.item_id for r in mine} & history[user_id]  # already-seen items are excluded
        assert all(r.reason.startswith(("you said", "you liked")) for r in mine)


def test_demo_catalogue_is_a_few_dozen_items_from_three_domains():
    assert 30 <= len(DEMO_ITEMS) <= 60
    assert {item[1] for item in DEMO_ITEMS} == {"ecommerce", "news", "music"}
    assert len({item[0] for item in DEMO_ITEMS}) == len(DEMO_ITEMS)


def test_cli_demo_with_a_local_folder(tiny_bert, capsys, tiny_root):
    folder = next(tiny_root.glob("tiny-bert-*"))
    assert cli.main(["demo", "--model", str(folder), "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert out.count("  1. [") == len(DEMO_USERS) and "Done in" in out


def test_cli_reports_errors_with_exit_code_2(capsys):
    assert cli.main(["demo", "--model", "no-such-model"]) == 2
    assert "unknown model name" in capsys.readouterr().err


def test_doctor(capsys):
    assert cli.main(["doctor", "--timeout", "0.5"]) == 0
    out = capsys.readouterr().out
    for word in (
        "torch",
        "transformers",
        "device",
        "minilm",
        "smollm2-135m",
        "cache",
        "hub",
        "ready",
    ):
        assert word in out


@pytest.mark.slow
def test_demo_with_minilm_makes_sense(minilm):
    recs = recommend_demo(minilm, k=5)
    alice = [r.item_id for r in recs if r.user_id == "alice"]
    assert "E11" in alice  # the camping tent, for the hiker who sleeps outdoors
    dara = [r.item_id for r in recs if r.user_id == "dara"]
    assert "M07" in dara  # the yoga music, for the yoga fan


def test_data_list_and_stats(capsys):
    assert cli.main(["data", "list", "--data-dir", "/nonexistent"]) == 0
    out = capsys.readouterr().out
    for name in (
        "bundled-ecommerce",
        "bundled-news",
        "bundled-music",
        "bundled-social",
        "mind-small",
        "lastfm-2k",
        "amazon-gift-cards",
    ):
        assert name in out
    assert cli.main(["data", "stats", "bundled-music", "--data-dir", "/nonexistent"]) == 0
    out = capsys.readouterr().out
    assert "num_items" in out and "bundled simulator" in out


def test_data_stats_unknown_name_is_a_clear_error(capsys):
    assert cli.main(["data", "stats", "no-such-dataset"]) == 2
    assert "no-such-dataset" in capsys.readouterr().err


def test_data_stats_on_real_files(real_data_dir, capsys):
    assert cli.main(["data", "stats", "amazon-gift-cards", "--data-dir", str(real_data_dir)]) == 0
    out = capsys.readouterr().out
    assert "2972" in out.replace(",", "")  # reviews in Gift_Cards_5.json.gz (PROVENANCE.md)
