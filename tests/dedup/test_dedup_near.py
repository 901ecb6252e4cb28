"""Near-duplicate signatures (crawler.dedup.near) on hand-written news-like texts."""

from __future__ import annotations

import pytest

from crawler.dedup import near

# Hand-written fixtures (fictional events).
BRIDGE = """The Riverton city council voted 7 to 2 on Tuesday night to approve a $48 million plan to replace the Elm Street bridge, ending more than three years of debate over the aging span that carries about 22,000 vehicles a day across the Millbrook River.

Engineers told council members in March that the 1958 steel structure had reached the end of its useful life. Inspectors found corrosion in two of its main girders last autumn, and trucks heavier than 15 tons have been banned from the bridge since November.

“This is the most important infrastructure decision this council will make in a decade,” said council president Maria Okafor, who introduced the measure. “People have been waiting long enough.”

Under the approved plan, construction would begin next spring and take roughly two years. A temporary pedestrian crossing will stay open throughout, but drivers will be detoured over the Route 9 bridge, adding as much as fifteen minutes to some commutes.

The two dissenting members, David Lindqvist and Harriet Moss, argued that the city should have waited for a state grant that could cover up to 40 percent of the cost. The city’s finance director said the grant application remains open and any award would be used to pay down the bonds issued for the project.

Residents who spoke during the three-hour public comment period were divided. Several small business owners on Elm Street said they feared losing customers during construction, while commuters and parents of students at nearby Lincoln High School urged the council to act before the bridge deteriorates further."""

# Same event, independently written (same topic, names and numbers — not a copy).
BRIDGE_OTHER_OUTLET = """Riverton will get a new Elm Street bridge after all. After years of delays, council members on Tuesday backed a replacement project priced at $48 million, with seven votes in favour and two against.

The vote followed a long and sometimes heated hearing at City Hall, where dozens of residents lined up to speak. Shop owners along Elm Street worried aloud about two years of detours, while others said the crumbling crossing over the Millbrook River had become a safety risk that could not be ignored.

Maria Okafor, the council president, called the decision overdue. Heavy trucks have been kept off the bridge since last November after an inspection turned up badly rusted girders, and city engineers say the 1958 span cannot be repaired at a reasonable cost.

Council members David Lindqvist and Harriet Moss voted no. Both said Riverton should have held off until the state decides on a grant that might pay for a large share of the work. Officials said the application is still pending.

Work is expected to start in the spring. Drivers will be sent over the Route 9 bridge while a temporary walkway keeps pedestrians moving between the two halves of town."""

UNRELATED = """A late-season storm dropped more than a foot of snow across the northern valleys on Sunday, closing mountain passes and leaving thousands of homes without electricity for much of the day.

The regional weather service said the system moved faster than forecast and stalled over the higher elevations, where some ski resorts reported as much as 60 centimetres of fresh snow by the afternoon. Avalanche warnings were raised to the highest level for the eastern ranges.

Utility crews worked through the night to restore power after heavy, wet snow brought down branches and lines. By Monday morning the company said fewer than 2,000 customers were still waiting for service to return, mostly in remote areas reachable only by forest roads.

Schools in three districts announced closures, and the state transport department urged drivers to stay off the roads unless their trip was essential. Snowploughs were expected to clear the main highway by midday, although officials warned that temperatures would fall sharply overnight and that black ice could form on untreated surfaces."""


def _wire_copy(text: str) -> str:
    """A syndicated copy: other title/dateline line, straight quotes, footer, new spacing."""
    body = text.replace("“", '"').replace("”", '"').replace("’", "'")
    body = "  ".join(body.split(" ")).replace("\n\n", "\n")
    return ("RIVERTON WIRE — Council backs new Elm Street bridge\n" + body +
            "\nCopyright 2024 Example Wire Service. All rights reserved. "
            "Sign up for our newsletter for more local news.")


def test_wire_copy_with_other_title_and_footer_is_near_duplicate():
    assert near.is_near_duplicate(BRIDGE, _wire_copy(BRIDGE))


def test_copy_with_dropped_paragraph_and_changed_words_is_near_duplicate():
    paras = BRIDGE.split("\n\n")
    edited = "\n\n".join(paras[:3] + paras[4:]).replace("Tuesday", "Wednesday").replace(
        "roughly", "about")
    assert near.is_near_duplicate(BRIDGE, edited)


def test_same_topic_different_article_is_not_near_duplicate():
    assert not near.is_near_duplicate(BRIDGE, BRIDGE_OTHER_OUTLET)
    assert near.similarity(near.signature(BRIDGE), near.signature(BRIDGE_OTHER_OUTLET)) < 0.1
    assert not near.is_near_duplicate(BRIDGE, UNRELATED)


def test_normalisation_ignores_case_quotes_punctuation_and_whitespace():
    variant = BRIDGE.upper().replace("“", "\"").replace("”", "''").replace(",", " ,").replace(
        "\n\n", "\n \t ")
    assert near.signature(variant) == near.signature(BRIDGE)
    assert near.text_digest(variant) == near.text_digest(BRIDGE)
    assert near.text_digest(BRIDGE) != near.text_digest(BRIDGE_OTHER_OUTLET)
    # NFKC: full-width letters and ligatures fold to plain ones
    assert near.normalize_words("Ｆｕｌｌ ﬁne “quoted” words") == ["full", "fine", "quoted", "words"]


def test_short_texts_never_match():
    words = near.normalize_words(BRIDGE)
    short = " ".join(words[: near.MIN_WORDS - 1])
    assert near.signature(short) is None
    assert not near.is_near_duplicate(short, short)
    assert not near.is_near_duplicate("", "")
    long_enough = " ".join(words[: near.MIN_WORDS])
    assert near.signature(long_enough) is not None
    assert near.is_near_duplicate(long_enough, long_enough)


def test_signature_is_deterministic_and_sized():
    sig = near.signature(BRIDGE)
    assert isinstance(sig, bytes) and len(sig) == 4 * near.NUM_PERM
    assert near.signature(BRIDGE) == sig
    keys = near.band_keys(sig)
    assert len(keys) == near.BANDS and all(-(2**63) <= k < 2**63 for k in keys)
    assert near.similarity(sig, sig) == 1.0
    with pytest.raises(ValueError):
        near.band_keys(b"too short")
