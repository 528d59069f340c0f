"""Balancing only ever removes unmatched, unsure quotes and brackets; pairing
chooses the likeliest labels under which quotes and brackets pair up."""

from __future__ import annotations

import itertools
import math

from hypothesis import given
from hypothesis import strategies as st

from unstrip.decode.rules import IDENTITY, balance, pair_marks, transition, transition_groups

MARK = st.text(alphabet=st.sampled_from(list('“”"()[].,’\n')), max_size=3)
GAPS = st.lists(st.tuples(MARK, st.floats(0, 1)), max_size=40)


def _pairs_balanced(ins: list[str]) -> bool:
    depth = {"(": 0, "[": 0, "“": 0}
    straight = 0
    for ch in "".join(ins):
        if ch in "([“":
            depth[ch] += 1
        elif ch in ")]”":
            opener = {")": "(", "]": "[", "”": "“"}[ch]
            depth[opener] -= 1
            if depth[opener] < 0:
                return False
        elif ch == '"':
            straight ^= 1
    return straight == 0 and all(v == 0 for v in depth.values())


@given(GAPS)
def test_balance_only_removes_unsure_marks(gaps):
    ins = [s for s, _ in gaps]
    conf = [c for _, c in gaps]
    out = balance(ins, conf)
    assert len(out) == len(ins)
    for before, after, c in zip(ins, out, conf, strict=True):
        if c >= 0.6:
            assert after == before
        # Only quote and bracket characters go, in order.
        it = iter(before)
        assert all(ch in it for ch in after)
        removed = [ch for ch in before if ch not in after or before.count(ch) > after.count(ch)]
        assert set(removed) <= set('“”"()[]')


@given(GAPS)
def test_when_nothing_is_sure_the_result_is_balanced(gaps):
    ins = [s for s, _ in gaps]
    assert _pairs_balanced(balance(ins, [0.0] * len(ins)))


def test_transitions_of_quotes_brackets_and_paragraphs():
    closed, quote, bracket, both = 0, 2, 1, 3
    assert transition("", False) == transition(",", False) == IDENTITY
    assert transition("”.", False)[quote] == closed and transition("”.", False)[closed] == -1
    assert transition("“", True)[closed] == quote and transition("“", True)[quote] == -1
    # a straight quote opens before a word, and after a paragraph break in an after label
    assert transition('"', True)[closed] == quote
    assert transition(',"', False)[quote] == closed
    assert transition('."\n\n"', False)[quote] == quote  # closes, then opens the next one
    assert transition('.\n\n"', False)[quote] == quote  # runs on into the next paragraph
    assert transition("(", True)[closed] == bracket and transition("(", True)[bracket] == -1
    assert transition(").", False)[both] == quote
    assert transition(".\n\n", False)[bracket] == -1  # brackets do not span paragraphs
    assert transition("'", False) == IDENTITY  # single quotes are apostrophes too


def test_groups_hold_every_label_once_identity_first():
    labels = ["", ",", '"', ',"', "(", ")", '."\n\n"', "—"]
    groups = transition_groups(labels, before=False)
    assert groups[0][0] == IDENTITY
    assert sorted(i for _, ids in groups for i in ids) == list(range(len(labels)))
    assert all(transition(labels[i], False) == t for t, ids in groups for i in ids)


_TRANS = [IDENTITY, transition('"', True), transition(',"', False), transition("(", True),
          transition(")", False), transition('."\n\n"', False)]
_STEPS = st.lists(
    st.lists(st.tuples(st.sampled_from(_TRANS[1:]), st.floats(0.001, 1.0)), max_size=2).map(
        lambda opts: [(IDENTITY, 0.5), *opts]),
    min_size=1, max_size=6)


def _path_score(steps, choice, edge):
    """The best score of ``choice`` over start states (open ones cost ``edge``, as at the end)."""
    best = -math.inf
    for start in range(4):
        state, total = start, -(edge if start else 0.0)
        for options, o in zip(steps, choice, strict=True):
            trans, p = options[o]
            state = trans[state] if state >= 0 else -1
            total += math.log(p)
        if state >= 0:
            best = max(best, total - (edge if state else 0.0))
    return best


@given(_STEPS, st.sampled_from([0.5, 3.0]))
def test_pairing_finds_the_best_feasible_path(steps, edge):
    chosen = pair_marks(steps, edge)
    best = max(_path_score(steps, c, edge)
               for c in itertools.product(*(range(len(o)) for o in steps)))
    assert math.isclose(_path_score(steps, chosen, edge), best, abs_tol=1e-9)


def test_artifact_labels_are_never_chosen_unless_the_config_says_so():
    from unstrip.decode.pipeline import DecodeConfig, Decoder
    from unstrip.network.labels import LabelSet
    from unstrip.network.wordpieces import WordPieces

    after = ["", ".", ".-", '."-', ".--", ".\n\n"]
    dec = Decoder(None, WordPieces.load(), LabelSet(after), LabelSet([""]), lexicon={})
    assert dec.block_artifacts is False and dec.bias_vector(True) is None
    loaded = DecodeConfig.from_config({}, after, [""])
    assert loaded.block_artifacts is True
    dec.decoding = loaded
    vec = dec.bias_vector(True)
    assert [i for i, v in enumerate(vec) if v < -100] == [2, 3]  # '.-' and '."-', not '.--'
    dec.decoding = DecodeConfig.from_config({"decoding": {"block_artifacts": False}}, after, [""])
    assert dec.bias_vector(True) is None
