"""Clean sentences with legitimate non-ASCII text, written for this project.

They are the fixed test set for encoding repair: `unstrip.text.encoding.fix_encoding`
must leave every one unchanged, and must undo the ``mojibake`` damage profile
on them (see ``tests/test_encoding.py`` and ``benchmarks/mojibake_bench.py``).

>>> len(CLEAN_SAMPLES) >= 40
True
>>> all(not s.isascii() for s in CLEAN_SAMPLES)
True
"""

from __future__ import annotations

__all__ = ["AMBIGUOUS_DOUBLE", "AMBIGUOUS_SINGLE", "CLEAN_SAMPLES"]

CLEAN_SAMPLES: tuple[str, ...] = (
    "Herr Müller ordered a café au lait and a croissant.",
    "It would be naïve to think the façade was original.",
    "The ticket costs €5, or about £3 at today’s rate.",
    "She reread Brontë’s novel and said, “It’s better than I remembered.”",
    "Add ½ cup of sugar and ¼ teaspoon of salt.",
    "He called it “the best idea we’ve had all year.”",
    "The word ‘fiancée’ keeps its accents in English.",
    "The meeting ran long — nobody was surprised.",
    "Read pages 10–25 before Tuesday’s seminar.",
    "We flew from 東京 to Osaka on the morning train.",
    "Great news 😀🎉 — the results are in!",
    "A wavelength of 5000 Ångström is green light.",
    "Her flight to São Paulo leaves at noon.",
    "Zoë and Chloë sent their résumé to the same firm.",
    "© 2024 Example Ltd. All rights reserved.",
    "The Widget™ comes in three colours.",
    "It was 21 °C in the shade and 35 °C in the sun.",
    "The tolerance is ±0.5 mm on a 3 × 4 grid.",
    "Price:\u00a0100\u00a0kr, payable on arrival.",
    "In Greek, “λόγος” means word or reason.",
    "The Russian for peace is «мир».",
    "Dvořák and Janáček were Czech composers.",
    "The Łódź office opened in 1998.",
    "Smørrebrød is an open sandwich from Denmark.",
    "Björk performed in Reykjavík last winter.",
    "Straße is German for street; the ß is a sharp s.",
    "The piñata burst and the niño cheered.",
    "Crème brûlée is a French dessert.",
    "The coöperate spelling with a diaeresis is old-fashioned.",
    "Señor Núñez arrived at half past eight.",
    "The temperature dropped to −10 degrees overnight.",
    "Use the ≤ and ≥ signs to compare the numbers.",
    "Sales rose 12 ‰ in the quarter… or so they claimed.",
    "Go → left, then ← right, then ↑ up.",
    "The café’s owner, François, smiled.",
    "İstanbul and Ankara are both in Türkiye.",
    "The yen symbol is ¥ and the rupee symbol is ₹.",
    "He wrote “café” with an acute accent — as he should.",
    "Ørsted’s law is named after a Danish physicist.",
    "My favourite emoji is 👍, though 🚀 comes close.",
    "The mathematician wrote ∑ x² for the sum of squares.",
    "Café Ümit serves tea in Köln.",
    "Entrée, plat, dessert — the menu was à la carte.",
    "They visited Tōkyō and Kyōto in April.",
    "Α, Β and Γ are the first Greek capitals.",
    "Ёлка is the Russian word for a fir tree.",
    "Don’t forget: the deadline is Friday, 5 p.m.",
    "¿Dónde está la biblioteca? ¡Allí!",
    "The section sign § introduces clause 4.",
    "I ❤️ Paris in the springtime.",
)
"""Clean sentences, each with at least one non-ASCII character."""

AMBIGUOUS_SINGLE: dict[str, tuple[str, str]] = {
    "We flew from 東京 to Osaka on the morning train.": (
        "We flew from �京 to Osaka on the morning train.",
        "東 (E6 9D B1) loses 0x9D; the remnant æ± could as well be 汁, 汐, 汝, 捱...",
    ),
    "Dvořák and Janáček were Czech composers.": (
        "Dvořák and Janá�ek were Czech composers.",
        "č (C4 8D) loses 0x8D; the bare Ä could as well be ā (Māori), ď or ĝ",
    ),
    "They visited Tōkyō and Kyōto in April.": (
        "They visited TÅkyÅ and KyÅto in April.",
        "ō (C5 8D) loses 0x8D and nothing else in the sentence is damaged: TÅkyÅ alone"
        " is not evidence enough to touch (with other mojibake around it is restored)",
    ),
    "Ёлка is the Russian word for a fir tree.": (
        "�лка is the Russian word for a fir tree.",
        "Ё (D0 81) loses 0x81; the bare Ð could as well be А or Н",
    ),
}
"""Sentences whose single mojibake cannot be undone exactly: the output
``fix_encoding`` gives, and why. Every other sample is restored exactly."""

AMBIGUOUS_DOUBLE: dict[str, str] = {
    **{s: why for s, (_out, why) in AMBIGUOUS_SINGLE.items()},
    "In Greek, “λόγος” means word or reason.": (
        "ό (CF 8C) first becomes ÏŒ; the second pass drops the 0x8F of Ï, whose bare"
        " remnant Ã could be Á, Í, Ï, Ð or Ý"
    ),
    "The Russian for peace is «мир».": (
        "м (D0 BC) first becomes Ð¼; the second pass drops the 0x90 of Ð, leaving a bare Ã"
    ),
}
"""Sentences whose double mojibake cannot be undone exactly, and why."""
