"""The fixed evaluation sets: halves by id, stable as corpora grow, never the train split."""

from __future__ import annotations

import gzip
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unstrip.evaluate.evalsets import FAMILIES, documents, family_of, part_of


def _write(path, rows):
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")


@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=30, unique=True))
def test_a_documents_part_depends_on_its_id_alone(ids):
    parts = {i: part_of(i) for i in ids}
    assert set(parts.values()) <= {"tune", "report"}
    # Adding other ids changes nobody's part.
    assert all(part_of(i) == p for i, p in parts.items())


def test_halves_are_disjoint_dev_only_and_stable_when_files_are_added(tmp_path):
    rows = [{"id": f"bbc-{i}", "source": "bbc", "split": "dev", "text": f"News {i}."}
            for i in range(40)]
    rows += [{"id": "bbc-train", "source": "bbc", "split": "train", "text": "Train."},
             {"id": "moby-1", "source": "moby", "split": "dev", "text": "Whale."}]
    first = tmp_path / "a.jsonl.gz"
    _write(first, rows)
    tune = documents("news", "tune", [first])
    report = documents("news", "report", [first])
    assert {d.id for d in tune}.isdisjoint(d.id for d in report)
    assert len(tune) + len(report) == 40 and min(len(tune), len(report)) > 5
    # A new file of the same family adds documents but moves none.
    more = tmp_path / "b.jsonl.gz"
    _write(more, [{"id": f"nw-{i}", "source": "newsarticles", "split": "dev", "text": "Hi."}
                  for i in range(20)])
    report2 = documents("news", "report", [first, more])
    assert {d.id for d in report} < {d.id for d in report2}
    assert documents("news", "report", [first, more], limit=3) == report2[:3]


def test_families_and_bad_names():
    assert family_of("newsarticles") == "news" and family_of("scotus") == "court"
    assert set(FAMILIES) == {"news", "speech", "court", "conversation"}
    with pytest.raises(ValueError, match="family"):
        documents("poetry", "tune", [])
    with pytest.raises(ValueError, match="part"):
        documents("news", "test", [])


def test_calibration_reads_tune_halves_of_the_profiles_families_only(tmp_path):
    """`unstrip calibrate` chooses shifts on tune documents: news for seed, speech and court
    for lowercased input; report halves, train documents and other sources never."""
    from unstrip.train.calibrate import calibration_documents

    rows = [{"id": f"{src}-{i}", "source": src, "split": split,
             "text": f"{src} {split} {i} words here."}
            for src in ("bbc", "ted", "scotus", "moby") for split in ("dev", "train")
            for i in range(30)]
    (tmp_path / "corpora").mkdir()
    _write(tmp_path / "corpora" / "c.jsonl.gz", rows)
    for profile, sources in (("seed", {"bbc"}), ("lower", {"ted", "scotus"})):
        texts = calibration_documents(10_000, tmp_path, profile)
        ids = {f"{t.split()[0]}-{t.split()[2]}" for t in texts}
        assert {t.split()[0] for t in texts} == sources
        assert all(t.split()[1] == "dev" for t in texts)
        assert all(part_of(i) == "tune" for i in ids)
        tune_ids = {d.id for f in ({"seed": ("news",), "lower": ("speech", "court")}[profile])
                    for d in documents(f, "tune", [tmp_path / "corpora" / "c.jsonl.gz"])}
        assert ids == tune_ids
