"""Turn an email's text into the numbers the email-intent model reads.

Paddock evaluates scikit-learn models in Go, without Python, and its
scikit-learn flavor has no text vectorizer. So the text is hashed into
DIM numeric columns here, by the caller, and the model is a plain
LogisticRegression over those columns. The recipe is short enough to port
to any language that has CRC-32:

    1. lower-case the text, take the runs of [a-z0-9'] as words;
    2. tokens are the words and the pairs of neighbouring words ("a b");
    3. column crc32(token) mod DIM counts each token;
    4. each count c becomes 1 + log(c), and the row is scaled to length 1;
    5. each value is rounded to 6 decimals (what travels in JSON is what
       the model was trained on).

A request to Paddock carries the raw text too, in the column `text`: the
model ignores it (extra columns are ignored), but the rule filter reads
it, and the prediction log's digest covers only what the model reads.
"""
import math
import re
import zlib

DIM = 512
COLUMNS = ["h%03d" % i for i in range(DIM)]
_WORD = re.compile(r"[a-z0-9']+")


def tokens(text):
    words = _WORD.findall(text.lower())
    return words + [a + " " + b for a, b in zip(words, words[1:])]


def vector(text):
    """The DIM hashed features of one text, as a list of floats."""
    counts = [0] * DIM
    for t in tokens(text):
        counts[zlib.crc32(t.encode("utf-8")) % DIM] += 1
    v = [1 + math.log(c) if c else 0.0 for c in counts]
    norm = math.sqrt(sum(x * x for x in v)) or 1.0
    return [round(x / norm, 6) for x in v]


def record(text):
    """One request row for Paddock: the text and its hashed columns."""
    row = {"text": text}
    row.update(zip(COLUMNS, vector(text)))
    return row
