"""SGF (Smart Game Format, FF[4]) files of Go games: read the main line, write a game.

An SGF file is a tree of nodes, each a list of properties ``ID[value][value]...``:

    (;FF[4]GM[1]SZ[9]KM[7.5]AB[cc][gg];W[ee];B[];W[tt])

The root carries the game's settings (``GM[1]`` Go, ``SZ`` size, ``KM`` komi, ``HA``
handicap, ``AB``/``AW`` setup stones, ``PL`` who moves next); each later node one move,
``B[..]`` or ``W[..]``, a point written as two letters column-row from ``a`` at the top
left (``B[]``, and ``B[tt]`` on boards up to 19x19, are passes). Variations
(``(;B[aa])(;B[bb])``) are read and the first is followed: the main line.

``read_sgf(text)`` returns an ``SGFGame``; a text that is not a valid Go game raises
``SGFError`` naming the first bad property (``bad property SZ[30] (node 1): size must be
2 to 25``). ``write_sgf(...)`` returns the text of a game.
"""

import re

__all__ = ["SGFError", "SGFGame", "read_sgf", "write_sgf", "parse_sgf", "format_point"]

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_IDENT = re.compile(r"[A-Za-z]+")
_SETUP = ("AB", "AW", "AE")


class SGFError(ValueError):
    """A text that is not a valid SGF game of Go; the message names what is wrong."""


class SGFGame:
    """A Go game read from SGF: ``size``, ``komi`` (float, None when the file has no
    ``KM``), ``handicap`` (int),
    ``black`` and ``white`` the setup stones (actions ``row * size + col``), ``to_play``
    (+1 / -1, the player to move after the setup, or None when the file does not say),
    ``moves`` a list of ``(colour, action)`` with ``size * size`` for a pass, and
    ``info`` the root's other properties (``{"PB": "name", ...}``, first values)."""

    def __init__(self, size, komi, handicap, black, white, to_play, moves, info):
        self.size, self.komi, self.handicap = size, komi, handicap
        self.black, self.white, self.to_play = black, white, to_play
        self.moves, self.info = moves, info

    def __repr__(self):
        return (f"SGFGame(size={self.size}, komi={self.komi}, setup={len(self.black)}+"
                f"{len(self.white)} stones, {len(self.moves)} moves)")


def parse_sgf(text):
    """The main line of the first game tree in ``text``: a list of nodes, each a list of
    ``(identifier, [values])`` in file order. Raises ``SGFError`` on bad syntax."""
    pos, n = 0, len(text)

    def skip():
        nonlocal pos
        while pos < n and text[pos].isspace():
            pos += 1

    def fail(what):
        line = text.count("\n", 0, pos) + 1
        raise SGFError(f"SGF: {what} at line {line}, character {pos + 1}")

    def tree():
        """Parse '(' sequence subtrees ')' from pos; the nodes of its main line."""
        nonlocal pos
        skip()
        if pos >= n or text[pos] != "(":
            fail("expected '(' to open a game tree")
        pos += 1
        nodes = []
        skip()
        if pos >= n or text[pos] != ";":
            fail("expected ';' to start a node")
        while True:
            skip()
            if pos < n and text[pos] == ";":
                pos += 1
                nodes.append(node())
            else:
                break
        first = True
        while True:
            skip()
            if pos < n and text[pos] == "(":
                sub = tree()
                if first:
                    nodes.extend(sub)
                first = False
            else:
                break
        skip()
        if pos >= n or text[pos] != ")":
            fail("expected ')' to close a game tree")
        pos += 1
        return nodes

    def node():
        nonlocal pos
        properties = []
        while True:
            skip()
            match = _IDENT.match(text, pos)
            if not match:
                return properties
            ident = match.group()
            pos = match.end()
            values = []
            while True:
                skip()
                if pos >= n or text[pos] != "[":
                    break
                pos += 1
                value, escaped = [], False
                while True:
                    if pos >= n:
                        fail(f"property {ident} has a value without its closing ']'")
                    c = text[pos]
                    pos += 1
                    if escaped:
                        if c != "\n":  # an escaped newline is a soft line break
                            value.append(c)
                        escaped = False
                    elif c == "\\":
                        escaped = True
                    elif c == "]":
                        break
                    else:
                        value.append(c)
                values.append("".join(value))
            if not values:
                fail(f"property {ident} has no value")
            properties.append((ident, values))

    nodes = tree()
    return nodes


def read_sgf(text):
    """The ``SGFGame`` of an SGF text of Go; ``SGFError`` names the first bad property."""
    nodes = parse_sgf(text)
    size, komi, handicap, to_play, info = 19, None, 0, None, {}
    black, white, moves = [], [], []
    root = nodes[0]

    def bad(ident, values, index, why):
        shown = "".join(f"[{v}]" for v in values)
        raise SGFError(f"SGF: bad property {ident}{shown} (node {index + 1}): {why}")

    for ident, values in root:  # the settings first: points depend on the size
        if not ident.isupper():
            bad(ident, values, 0, "property identifiers are upper case letters in FF[4]")
        if ident == "GM" and values[0].strip() != "1":
            bad(ident, values, 0, "not a game of Go (GM[1])")
        if ident == "FF" and values[0].strip() not in ("1", "2", "3", "4"):
            bad(ident, values, 0, "file format must be 1 to 4")
        if ident == "SZ":
            if not re.fullmatch(r"\s*\d+\s*", values[0]) or not 2 <= int(values[0]) <= 25:
                bad(ident, values, 0, "size must be a square board of 2 to 25")
            size = int(values[0])
        if ident == "KM":
            try:
                komi = float(values[0])
            except ValueError:
                bad(ident, values, 0, "komi must be a number")
        if ident == "HA":
            if not re.fullmatch(r"\s*\d+\s*", values[0]):
                bad(ident, values, 0, "handicap must be a whole number")
            handicap = int(values[0])

    def point(ident, value, index, allow_pass):
        value = value.strip()
        if allow_pass and (value == "" or (value == "tt" and size <= 19)):
            return size * size
        if len(value) != 2 or value[0] not in _LETTERS or value[1] not in _LETTERS:
            bad(ident, [value], index, "expected a point of two letters a..z")
        col, row = _LETTERS.index(value[0]), _LETTERS.index(value[1])
        if col >= size or row >= size:
            bad(ident, [value], index, f"point outside the {size}x{size} board")
        return row * size + col

    def points(ident, values, index):
        out = []
        for value in values:
            if ":" in value:  # a compressed rectangle 'aa:cc'
                a, b = (point(ident, v, index, False) for v in value.split(":", 1))
                (r0, c0), (r1, c1) = divmod(a, size), divmod(b, size)
                out += [r * size + c for r in range(min(r0, r1), max(r0, r1) + 1)
                        for c in range(min(c0, c1), max(c0, c1) + 1)]
            else:
                out.append(point(ident, value, index, False))
        return out

    for index, properties in enumerate(nodes):
        move = None
        for ident, values in properties:
            if not ident.isupper():
                bad(ident, values, index, "property identifiers are upper case letters "
                    "in FF[4]")
            if ident in ("B", "W"):
                if move is not None:
                    bad(ident, values, index, "a node holds one move")
                if len(values) != 1:
                    bad(ident, values, index, "a move has one value")
                move = (1 if ident == "B" else -1, point(ident, values[0], index, True))
            elif ident in _SETUP:
                if index > 0 and (moves or move is not None):
                    bad(ident, values, index, "setup stones after the first move are not "
                        "supported")
                stones = points(ident, values, index)
                for p in stones:
                    for lst in (black, white):
                        if p in lst:
                            lst.remove(p)
                if ident == "AB":
                    black += stones
                elif ident == "AW":
                    white += stones
            elif ident == "PL":
                if values[0].strip().upper() not in ("B", "W"):
                    bad(ident, values, index, "expected B or W")
                if not moves and move is None:
                    to_play = 1 if values[0].strip().upper() == "B" else -1
            elif index == 0:
                info.setdefault(ident, values[0])
        if move is not None:
            moves.append(move)
    return SGFGame(size, komi, handicap, sorted(set(black)), sorted(set(white)), to_play,
                   moves, info)


def _escape(text):
    return str(text).replace("\\", "\\\\").replace("]", "\\]")


def format_point(action, size):
    """The SGF point of an action (``row * size + col``): ``'cd'``; ``''`` for the pass
    (``size * size``)."""
    if action == size * size:
        return ""
    row, col = divmod(int(action), size)
    return _LETTERS[col] + _LETTERS[row]


def write_sgf(size, komi, moves, black=(), white=(), to_play=None, handicap=0,
              info=None):
    """The SGF FF[4] text of a Go game: ``moves`` a list of ``(colour, action)``
    (+1 black, -1 white; ``size * size`` a pass), setup stones ``black`` / ``white``
    (actions), ``to_play`` the player to move after the setup when it is not black,
    ``info`` more root properties (``{"PB": "shenjing", "RE": "W+3.5"}``)."""
    root = [f"FF[4]GM[1]CA[UTF-8]SZ[{int(size)}]KM[{float(komi):g}]"]
    if handicap:
        root.append(f"HA[{int(handicap)}]")
    for key, value in (info or {}).items():
        root.append(f"{key}[{_escape(value)}]")
    if black:
        root.append("AB" + "".join(f"[{format_point(p, size)}]" for p in sorted(black)))
    if white:
        root.append("AW" + "".join(f"[{format_point(p, size)}]" for p in sorted(white)))
    if to_play == -1:
        root.append("PL[W]")
    lines = ["(;" + "".join(root)]
    line = ""
    for color, action in moves:
        line += f";{'B' if color == 1 else 'W'}[{format_point(action, size)}]"
        if len(line) > 70:
            lines.append(line)
            line = ""
    if line:
        lines.append(line)
    return "\n".join(lines) + ")\n"
