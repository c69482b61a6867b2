"""Text of the national benchmark files without a Python loop per row: every column of a slice of rows becomes
a left-aligned byte matrix plus lengths (a "cell"), and `render` joins cells into CSV lines with numpy.

Apart from the data (`national_codes`, `national_year`) because this is only about writing numbers and codes as
DfT's text (no quoting, ``-1`` for missing, probabilities without trailing zeros) fast enough for 12 M rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

FORMAT_SLICE = 100_000  # rows formatted at once: bounds the byte buffers to a few tens of MB
ALPHABET = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
COMMA, NEWLINE = ord(","), ord("\n")

LENGTH = np.int16  # dtype of cell lengths
Cell = tuple[np.ndarray, np.ndarray]  # (uint8 characters, shape (n, width); lengths, shape (n,))


# -- formatting: every column becomes a left-aligned byte matrix plus lengths ------------------------------


class IntTable:
    """Pre-rendered text of every integer in [low, high], looked up by fancy indexing."""

    def __init__(self, low: int, high: int) -> None:
        texts = [str(v).encode() for v in range(low, high + 1)]
        width = max(len(t) for t in texts)
        self.low = low
        self.chars = np.zeros((len(texts), width), dtype=np.uint8)
        self.lengths = np.array([len(t) for t in texts], dtype=LENGTH)
        for i, text in enumerate(texts):
            self.chars[i, : len(text)] = np.frombuffer(text, dtype=np.uint8)

    def cell(self, values: np.ndarray) -> Cell:
        index = values.astype(np.int64) - self.low
        return self.chars[index], self.lengths[index]


SMALL_INTS = IntTable(-1, 120)
ROAD_NUMBERS = IntTable(-1, 9999)


def digits(values: np.ndarray, width: int, base: int = 10) -> np.ndarray:
    """Zero-padded digits of non-negative integers as a (n, width) uint8 matrix (base 10 or 36)."""
    out = np.empty((len(values), width), dtype=np.uint8)
    rest = values.astype(np.int64)
    for position in range(width - 1, -1, -1):
        rest, digit = np.divmod(rest, base)
        out[:, position] = ALPHABET[digit]
    return out


def uint_cell(values: np.ndarray, width: int) -> Cell:
    """Variable-width text of non-negative integers (no leading zeros)."""
    padded = digits(values, width)
    lengths = np.ones(len(values), dtype=LENGTH)
    for k in range(1, width):
        lengths += values >= 10**k
    shift = (width - lengths)[:, None] + np.arange(width)
    return np.take_along_axis(padded, np.minimum(shift, width - 1), axis=1), lengths


def fixed6_cell(micro: np.ndarray) -> Cell:
    """Text like ``-2.432035`` of integers in millionths (6 decimals kept, as the real lon/lat)."""
    negative = micro < 0
    magnitude = np.abs(micro)
    whole_chars, whole_lengths = uint_cell(magnitude // 1_000_000, 3)
    n = len(micro)
    out = np.zeros((n, 11), dtype=np.uint8)
    lengths = whole_lengths + 7 + negative
    cursor = negative.astype(np.int64)
    out[negative, 0] = ord("-")
    rows = np.arange(n)
    for j in range(3):
        keep = j < whole_lengths
        out[rows[keep], cursor[keep] + j] = whole_chars[keep, j]
    cursor = cursor + whole_lengths
    out[rows, cursor] = ord(".")
    frac = digits(magnitude % 1_000_000, 6)
    for j in range(6):
        out[rows, cursor + 1 + j] = frac[:, j]
    return out, lengths


def probability_cell(micro: np.ndarray, blank: np.ndarray) -> Cell:
    """Probabilities in millionths as ``0``, ``1`` or ``0.0868`` (no trailing zeros); blank where asked."""
    chars = np.empty((len(micro), 8), dtype=np.uint8)
    chars[:, 0], chars[:, 1] = ord("0"), ord(".")
    chars[:, 2:] = digits(micro % 1_000_000, 6)
    trailing = np.zeros(len(micro), dtype=np.int64)
    still = np.ones(len(micro), dtype=bool)
    for k in range(1, 7):
        still &= (micro % 10**k) == 0
        trailing += still
    lengths = (8 - trailing).astype(LENGTH)
    whole = (micro == 0) | (micro == 1_000_000)
    chars[micro == 1_000_000, 0] = ord("1")
    lengths[whole] = 1
    lengths[blank] = 0
    return chars, lengths


def code_cell(codes: np.ndarray, present: np.ndarray, missing: bytes) -> Cell:
    """Fixed-width codes such as ``E01012345``, with a replacement text (``-1``) where not present."""
    chars = codes.copy()
    lengths = np.full(len(codes), codes.shape[1], dtype=LENGTH)
    chars[~present, : len(missing)] = np.frombuffer(missing, dtype=np.uint8)
    lengths[~present] = len(missing)
    return chars, lengths


def blank_where(cell: Cell, blank: np.ndarray) -> Cell:
    chars, lengths = cell
    lengths = lengths.copy()
    lengths[blank] = 0
    return chars, lengths


def render(cells: Sequence[Cell]) -> bytes:
    """Join cells into CSV lines: values, commas and a final newline, no quoting."""
    n = len(cells[0][1])
    parts: list[np.ndarray] = []
    masks: list[np.ndarray] = []
    separator_mask = np.ones((n, 1), dtype=bool)
    for i, (chars, lengths) in enumerate(cells):
        chars = chars[:, : int(lengths.max(initial=0))]  # trim padding no row of this slice needs
        parts.append(chars)
        masks.append(np.arange(chars.shape[1]) < lengths[:, None])
        parts.append(np.full((n, 1), NEWLINE if i == len(cells) - 1 else COMMA, dtype=np.uint8))
        masks.append(separator_mask)
    return np.concatenate(parts, axis=1)[np.concatenate(masks, axis=1)].tobytes()


def render_all(cells: Sequence[Cell]) -> bytes:
    """Render cells slice by slice so the padded byte buffers stay small."""
    n = len(cells[0][1])
    pieces = []
    for start in range(0, n, FORMAT_SLICE):
        stop = start + FORMAT_SLICE
        pieces.append(render([(chars[start:stop], lengths[start:stop]) for chars, lengths in cells]))
    return b"".join(pieces)
