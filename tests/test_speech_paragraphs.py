"""Restorer(paragraphs=True): a transcript that came as one block gets paragraph breaks."""

from __future__ import annotations

import json

from click.testing import CliRunner

from unstrip import Restorer
from unstrip.cli import cli
from unstrip.text.profiles import PROFILES

TALK = (
    "hi how are you doing today im fine thanks how about you not too bad i just got back "
    "from a trip to the coast oh really how was it it was wonderful we swam every day and "
    "ate fresh fish every night that sounds lovely did you take any pictures yes hundreds "
    "of them ill show you later great i would love to see them what are you doing this "
    "weekend nothing much maybe some gardening why do you ask we are having a party on "
    "saturday would you like to come i would love to what time does it start around "
    "seven see you then"
)


def test_a_block_of_talk_gets_paragraph_breaks_and_keeps_every_word():
    plain = Restorer().restore(TALK)
    out = Restorer(paragraphs=True).restore(TALK)
    assert "\n" not in plain
    assert out.count("\n\n") >= 2
    # each break stands where a space was: every other character is kept
    assert PROFILES["lower"](out.replace("\n\n", " ")) == TALK
    assert out.replace("\n\n", " ") == plain


def test_explain_and_stream_agree_and_name_the_pass():
    r = Restorer(paragraphs=True)
    result = r.explain(TALK)
    assert "".join(r.restore_stream([TALK[:50], TALK[50:]])) == result.text
    breaks = [c for c in result.recased if c.to == "\n\n"]
    assert breaks and all(c.pass_name == "paragraphs" and TALK[c.offset] == " "
                          for c in breaks)


def test_lines_the_user_wrote_are_left_as_they_are():
    text = "hi how are you\nim fine thanks"
    assert Restorer(paragraphs=True).restore(text) == Restorer().restore(text)


def test_cli_paragraphs_option():
    out = CliRunner().invoke(cli, ["restore", "--paragraphs"], input=TALK)
    assert out.exit_code == 0 and "\n\n" in out.output
    explained = CliRunner().invoke(cli, ["restore", "--paragraphs", "--explain"], input=TALK)
    entry = json.loads(explained.output)
    assert any(c["to"] == "\n\n" for c in entry["recased"])
