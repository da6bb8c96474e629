"""Names without a title: "spoke to John Smith", "Peter Walsh, the patient", "Liam's mum".

A capitalised word is a name when a list of real forenames and surnames says so *and* the
sentence uses it as a person: a forename followed by a surname, or one name in a place
only a person stands (after "spoke to", "named as", "told"; before "said" or "'s"; alone
in brackets). The lists of real names, and the allow-list, are in ``name_lists``.

Control-room text is full of capitalised words that are names elsewhere: places
("Victoria"), hospitals ("Royal Oldham Hospital"), teams ("Crisis Resolution Home
Treatment Team"), ranks ("Sgt"), days and months, call signs ("Charlie 21"). An
allow-list in TOML keeps them out: a shipped default (``data/personal_data_allow.toml``)
and a force's own file that adds local places and teams (:func:`force_allow_list_path`).

Loading the names costs a tenth to a quarter of a second, so it happens once, on first use or
in the background (:func:`preload_in_background`); importing this module loads nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from rcrp_tui.domain.name_lists import (
    AllowList,
    AllowListError,
    NameGazetteer,
    default_allow_list,
    force_allow_list_path,
    is_loaded,
    load_gazetteer,
    parse_allow_list,
    preload_in_background,
    read_allow_list,
    shared_gazetteer,
)
from rcrp_tui.domain.personal_findings import Finding, PersonalDataKind
from rcrp_tui.domain.personal_places import STREET_WORDS

__all__ = [
    "AllowList",
    "AllowListError",
    "NameGazetteer",
    "default_allow_list",
    "find_names",
    "force_allow_list_path",
    "is_loaded",
    "load_gazetteer",
    "parse_allow_list",
    "preload_in_background",
    "read_allow_list",
    "shared_gazetteer",
]

# --- finding names -----------------------------------------------------------------------

# A capitalised word, with Mc/Mac/O' prefixes and double-barrelled names; "Reid's" gives
# "Reid", but "Don't" gives nothing (an apostrophe and a letter other than a lone s).
_WORD = re.compile(
    r"(?<![\w'\u2019-])(?:Mc|Mac|O['\u2019]|D['\u2019])?[A-Z][a-z]+"
    r"(?:-(?:Mc|Mac|O['\u2019])?[A-Z][a-z]+)?(?![\w-]|['\u2019](?!s\b)[A-Za-z])"
)
_PREFIXED = re.compile(r"(?:Mc|Mac|O['\u2019])[A-Z]")
_RELATIVES = (
    r"son|daughter|mother|mum|mom|father|dad|brother|sister|wife|husband|partner|ex|"
    r"neighbour|neighbor|friend|carer|nephew|niece|aunt|uncle|grandson|granddaughter|"
    r"grandmother|grandfather|nan|gran|grandad|girlfriend|boyfriend|fianc[eé]e?|stepson|"
    r"stepdaughter|cousin|lodger|flatmate|housemate|colleague|patient|caller|informant|"
    r"subject|male|female|man|woman|boy|girl|child|teenager|resident|tenant|client|"
    r"service user|missing person|misper|victim|suspect|witness"
)
# Job titles straight before a name ("the CRHT worker Joanne", "staff nurse Helen Bradshaw").
_ROLES = (
    r"worker|nurse|sister|matron|officer|handler|carer|warden|manager|landlord|landlady|"
    r"doctor|paramedic|clinician|consultant|practitioner|therapist|counsellor|keyworker|"
    r"coordinator|advocate|teacher|receptionist|supervisor|caretaker|AMHP|CPN|GP"
)
# Straight before a single name: a phrase that introduces a person by name.
_NAMING = re.compile(
    r"(?:\bspoke|\bspeaking|\bspoken|\btalked|\btalking)\s+(?:to|with)\s+$"
    r"|\b(?:named|known|identified|introduced|described)"
    r"(?:\s+(?:himself|herself|themselves))?(?:\s+as)?\s+$"
    r"|\bname(?:\s+(?:is|was|as|given\s+as|recorded\s+as|of))?\s*[:,-]?\s+$"
    r"|\bcalled\s+(?:himself|herself|themselves\s+)?$"
    r"|\bcalling\s+(?:himself|herself|themselves)\s+$"
    r"|\b(?:told|asked|advised|informed|reassured|contacted|phoned|rang|visited|met|"
    r"saw|warned|thanked|transferred|put|passed|handed|gave|reminded|ask|tell|advise|"
    r"inform|reassure|contact|phone|ring|visit|warn|remind|help|helped|found|located|"
    r"traced|escorted|detained|took|take|collected|collect|reached|reach|messaged)\s+$"
    rf"|\b(?:{_ROLES})\s+$"
    r"|\b(?:to|with|for|from|by|and|or)\s+(?=$)"
    rf"|\b(?:{_RELATIVES})\s*,?\s+$",
    re.IGNORECASE,
)
# Of those, the ones strong enough for a name that is also an everyday word ("told Mark").
_STRONG_NAMING = re.compile(
    r"(?:spoke|speaking|spoken|talked|talking)\s+(?:to|with)\s+$"
    r"|\b(?:named|known|identified|introduced|described)"
    r"(?:\s+(?:himself|herself|themselves))?(?:\s+as)?\s+$"
    r"|\bname(?:\s+(?:is|was|as|given\s+as|recorded\s+as))?\s*[:,-]?\s+$"
    r"|\b(?:told|asked|advised|informed|reassured|warned|tell|ask|advise|reassure)\s+$"
    rf"|\b(?:his|her|their|my|your|the\s+caller's|the\s+patient's)\s+(?:{_RELATIVES})\s*,?\s+$"
    rf"|\b(?:{_RELATIVES}),\s+$"
    rf"|\w['\u2019]s\s+(?:{_RELATIVES})\s*,?\s+$"
    r"|\b(?:told|asked|advised|informed|called|rung|phoned|contacted|reported|seen|found)"
    r"\s+by\s+$",
    re.IGNORECASE,
)
# Straight after a single forename: a verb or a possessive only a person takes.
_PERSON_AFTER = re.compile(
    r"^(?:['\u2019]s\s+\w"
    r"|\s+(?:said|says|stated|states|reported|reports|told|tells|was|is|had|has|went|left|"
    r"became|rang|called|phoned|refused|wanted|wants|agreed|asked|disclosed|threatened|"
    r"admitted|returned|lives|lived|walked|ran|took|kept|tried|explained|denied|declined|"
    r"confirmed|answered|sounded|seemed|appeared|would|will|could|can|may|might|should|"
    r"needs|needed|did|does|didn't|doesn't|wasn't|isn't|hasn't|hadn't|cannot|can't|won't|"
    r"self-harmed|attended|arrived|came|gave|got|felt|feels|made|spoke|agrees|sounds|"
    r"refuses|wants|became|remained|remains|shouted|screamed|threatened|smashed|"
    r"cut|overdosed|absconded|disappeared|collapsed)\b"
    rf"|,\s+(?:the|her|his|their|a|an)\s+(?:{_RELATIVES})\b"
    r"|\)"
    r")",
)


# The last word of every naming phrase above: a cheap test before the regular expressions,
# which would otherwise be tried at every capitalised word of a long note.
_TRIGGER_WORDS = (
    "to with as named known identified introduced described himself herself themselves "
    "name is was of called calling told asked advised informed reassured contacted phoned "
    "rang visited met saw warned thanked transferred put passed handed gave reminded ask "
    "tell advise inform reassure contact phone ring visit warn remind help helped found "
    "located traced escorted detained took take collected collect reached reach messaged "
    "for from by and or user person s fiance fiancee"
)
_TRIGGERS = frozenset(
    re.sub(r"[^a-z|]", "", f"{_RELATIVES}|{_ROLES}".lower()).split("|") + _TRIGGER_WORDS.split()
)
_LAST_WORD = re.compile(r"[A-Za-z]+")
# A rank straight before a name: the name is an officer's, not the subject's.
_RANK_BEFORE = re.compile(
    r"\b(?:PC|DC|DS|DI|DCI|PS|Sgt|Insp|Supt|Det|Con|PCSO|Sergeant|Inspector|Constable|"
    r"Superintendent)\.?\s+$"
)
# Surnames that, after a forename-like word, nearly always name a place in this domain.
_PLACE_FIRST = frozenset({"Ward", "House", "Court", "Lodge", "Centre", "Unit", "Team", "Street"})
# Only what comes before a word at the start of a sentence (or of the text).
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n]\s*|^\W*)$")


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    word: str


def _runs(text: str, names: NameGazetteer) -> Iterator[list[_Token]]:
    """Runs of capitalised words joined by single spaces, split at allowed words."""
    blocked = names.allowed_spans(text)
    run: list[_Token] = []
    for m in _WORD.finditer(text):
        token = _Token(m.start(), m.end(), m.group())
        stop = token.word in names.allow.words or any(s <= token.start < e for s, e in blocked)
        if run and (stop or text[run[-1].end : token.start] != " "):
            yield run
            run = []
        if not stop:
            run.append(token)
    if run:
        yield run


class _Judge:
    def __init__(self, text: str, names: NameGazetteer) -> None:
        self.text = text
        self.names = names

    def fore(self, word: str) -> bool:
        # "Ellie-Mae": a double-barrelled forename starts with a forename.
        return word.split("-")[0] in self.names.forenames

    def sur(self, word: str) -> bool:
        if word in self.names.surnames or _PREFIXED.match(word):
            return True
        return "-" in word and any(p in self.names.surnames for p in word.split("-"))

    def everyday(self, word: str) -> bool:
        return word in self.names.allow.everyday

    def before(self, token: _Token) -> str:
        return self.text[max(0, token.start - 32) : token.start]

    def _triggered(self, token: _Token) -> str | None:
        """The 32 characters before ``token`` when their last word can end a naming phrase."""
        before = self.before(token)
        words = _LAST_WORD.findall(before[-16:])
        return before if words and words[-1].lower() in _TRIGGERS else None

    def strong(self, token: _Token) -> re.Match[str] | None:
        before = self._triggered(token)
        return _STRONG_NAMING.search(before) if before is not None else None

    def naming(self, token: _Token) -> re.Match[str] | None:
        before = self._triggered(token)
        return _NAMING.search(before) if before is not None else None

    def person_after(self, token: _Token) -> bool:
        return _PERSON_AFTER.match(self.text[token.end : token.end + 40]) is not None

    def organisation(self, run: list[_Token]) -> bool:
        if not any(t.word in self.names.allow.organisation or t.word in STREET_WORDS for t in run):
            return False
        # "Jamie Hall", "Grace Hall rang": a forename then a surname that is also a place
        # word is a person when no everyday word leads it or a person's verb follows, unless
        # the word is nearly always a place here ("Willow Ward reported"). A naming phrase
        # before it ("spoke to Sarah Ward") settles it either way.
        first, *rest = run
        if len(run) != 2 or not (self.fore(first.word) and self.sur(rest[0].word)):
            return True
        if self.strong(first):
            return False
        if rest[0].word in _PLACE_FIRST:
            return True
        plain = not (self.everyday(first.word) or self.everyday(rest[0].word))
        return not (plain or self.person_after(rest[0]))

    def pair(self, run: list[_Token], i: int) -> tuple[int, str] | None:
        """Where a name starting at ``run[i]`` ends (an index in ``run``), and why."""
        first = run[i]
        if i + 1 >= len(run):
            return None
        second = run[i + 1].word
        j = i + 1
        if self.fore(first.word):
            known = self.sur(second) or self.fore(second)
            if not (known or not (self.everyday(first.word) or self.everyday(second))):
                return None
            what = "the surname" if known else "the capitalised word"
            why = f"the forename {first.word!r} followed by {what} {second!r}"
        else:
            # Two or three capitalised words the lists do not know, in a person's place:
            # "named as Olumide Adeyemi", "Kwame Mensah's sister", "Yusuf Ahmed, the caller".
            last = run[min(len(run), i + 3) - 1]
            if any(self.everyday(t.word) for t in run[i : i + 3]):
                return None
            strong = self.strong(first)
            if strong:
                return min(len(run), i + 3) - 1, f"a full name after {strong.group().strip()!r}"
            if i == 0 and len(run) <= 3 and self.person_after(last) and self.sur(last.word):
                return len(run) - 1, "a forename and surname used as a person"
            if (
                self.sur(first.word)
                and self.sur(second)
                and not _SENTENCE_START.search(self.before(first))
            ):
                return j, f"the names {first.word!r} and {second!r} together mid-sentence"
            return None
        while j + 1 < len(run) and j - i < 3 and self.sur(run[j + 1].word):
            j += 1
        return j, why

    def single(self, token: _Token) -> str | None:
        """Why ``token`` alone is a name in its place in the sentence, or None."""
        word = token.word
        before = self.before(token)
        after = self.text[token.end : token.end + 40]
        strong = self.strong(token)
        if self.everyday(word):
            if strong and self.fore(word):
                return f"the forename {word!r} after {strong.group().strip()!r}"
            return None
        if strong:
            what = "forename" if self.fore(word) else "surname" if self.sur(word) else "name"
            return f"the {what} {word!r} after {strong.group().strip()!r}"
        if self.fore(word):
            naming = self.naming(token)
            if naming:
                return f"the forename {word!r} after {naming.group().strip()!r}"
            if before.endswith("(") and after.startswith(")"):
                return f"the forename {word!r} in brackets"
            if self.person_after(token):
                return f"the forename {word!r} used as a person"
        return None


def find_names(text: str, names: NameGazetteer) -> Iterator[Finding]:
    """Names without a title in ``text``, judged with ``names``."""
    judge = _Judge(text, names)
    for whole in _runs(text, names):
        if _RANK_BEFORE.search(text[max(0, whole[0].start - 16) : whole[0].start]):
            continue  # "PC Jones", "Sgt Mark Davies": an officer, recorded by staff id
        run = whole
        if judge.organisation(run):
            # "Sister Grace Hall rang": the last two words may still be a person.
            run = run[-2:]
            if len(whole) < 3 or judge.organisation(run):
                continue
        i = 0
        while i < len(run):
            first = run[i]
            paired = judge.pair(run, i)
            if paired:
                j, why = paired
                last = run[j]
                yield Finding(
                    PersonalDataKind.NAME, first.start, last.end, text[first.start : last.end], why
                )
                i = j + 1
                continue
            why_single = judge.single(first)
            if why_single:
                yield Finding(PersonalDataKind.NAME, first.start, first.end, first.word, why_single)
            i += 1
