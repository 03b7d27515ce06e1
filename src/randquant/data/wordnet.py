"""WordNet glosses (Debian ``wordnet-base``) labelled by lexicographer file, byte-tokenised.

Each synset line of ``data.noun``/``data.verb``/``data.adj``/``data.adv`` carries its
lexicographer file number (``noun.animal``, ``verb.motion``, ...) and a gloss after ``|``.
The gloss's UTF-8 bytes become tokens ``byte + 2`` (0 = padding, 1 = end of text), cut or
padded to 128; the 16 largest categories are kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from randquant.data.sources import Advance, Source, SourceIndex

WORDNET_DIR = Path("/usr/share/wordnet")
PAD_ID, EOS_ID, BYTE_OFFSET = 0, 1, 2
VOCAB_SIZE = 256 + BYTE_OFFSET
LEXNAMES = (
    "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact",
    "noun.attribute", "noun.body", "noun.cognition", "noun.communication", "noun.event",
    "noun.feeling", "noun.food", "noun.group", "noun.location", "noun.motive", "noun.object",
    "noun.person", "noun.phenomenon", "noun.plant", "noun.possession", "noun.process",
    "noun.quantity", "noun.relation", "noun.shape", "noun.state", "noun.substance", "noun.time",
    "verb.body", "verb.change", "verb.cognition", "verb.communication", "verb.competition",
    "verb.consumption", "verb.contact", "verb.creation", "verb.emotion", "verb.motion",
    "verb.perception", "verb.possession", "verb.social", "verb.stative", "verb.weather",
    "adj.ppl",
)  # fmt: skip


def byte_tokens(texts: Sequence[str], length: int) -> torch.Tensor:
    """``(N, length)`` int64 byte tokens (``byte + 2``), an end token, then padding 0."""
    out = np.full((len(texts), length), PAD_ID, dtype=np.int64)
    for i, text in enumerate(texts):
        ids = np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64) + BYTE_OFFSET
        ids = np.append(ids[: length - 1], EOS_ID)
        out[i, : len(ids)] = ids
    return torch.from_numpy(out)


def read_glosses(path: Path) -> list[tuple[int, str]]:
    """``(lexicographer file number, gloss)`` for each synset line of a WordNet ``data.*`` file."""
    out = []
    with path.open(encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, start=1):
            if line.startswith("  "):  # licence header
                continue
            head, sep, gloss = line.partition("|")
            fields = head.split()
            if not sep or len(fields) < 2 or not fields[1].isdigit():
                raise ValueError(f"{path}, line {n}: not a WordNet synset line")
            out.append((int(fields[1]), gloss.strip()))
    return out


class WordNetGlosses(Source):
    """Glosses by lexical category (16 largest of 45), byte tokens of length 128."""

    name = "wordnet_glosses"
    modality = "text"
    layout = "tokens"
    description = "WordNet glosses by lexical category, byte tokens (N, 128), 16 classes"
    apt = ("wordnet-base",)
    full_size = "74,498 train / 18,625 test, 128 byte tokens"
    num_categories = 16
    length = 128

    def __init__(self, root: Path = WORDNET_DIR) -> None:
        self.root = root

    def source_files(self) -> list[Path]:
        return self.require_files(
            *(self.root / f"data.{pos}" for pos in ("adj", "adv", "noun", "verb"))
        )

    def index(self) -> SourceIndex:
        entries = [e for p in self.source_files() for e in read_glosses(p)]
        counts = Counter(lex for lex, _ in entries)
        top = sorted(lex for lex, _ in counts.most_common(self.num_categories))
        names = tuple(LEXNAMES[lex] if lex < len(LEXNAMES) else f"lex.{lex}" for lex in top)
        keep = [(lex, g) for lex, g in entries if lex in top]
        labels = np.array([top.index(lex) for lex, _ in keep], dtype=np.int64)
        return SourceIndex([g for _, g in keep], labels, names)

    def load(self, items: Sequence[Any], advance: Advance) -> torch.Tensor:
        advance(len(items))
        return byte_tokens(list(items), self.length)

    def meta(self) -> dict[str, Any]:
        return {**super().meta(), "vocab_size": VOCAB_SIZE, "pad_id": PAD_ID, "eos_id": EOS_ID}


SOURCES = (WordNetGlosses,)
