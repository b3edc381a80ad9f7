"""Go: captures, ko and superko, suicide, scoring, move counts, and random games checked
move by move against a slow reference written here from the rules."""

import numpy
import pytest

from shenjing.zero.games import IllegalMove, make_game
from shenjing.zero.games.go import Go, RandomGoPlayer


class Reference:
    """Go as the rules say it, slowly: a list-of-lists board, flood fills by recursion,
    the earlier positions as a list of tuples."""

    def __init__(self, size, komi, max_moves):
        self.size, self.komi, self.max_moves = size, komi, max_moves
        self.board = [[0] * size for _ in range(size)]
        self.to_play, self.passes, self.moves = 1, 0, 0
        self.seen = [self.key(self.board)]

    @staticmethod
    def key(board):
        return tuple(tuple(row) for row in board)

    def around(self, r, c):
        for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            if 0 <= r + dr < self.size and 0 <= c + dc < self.size:
                yield r + dr, c + dc

    def flood(self, board, r, c, color, region, border):
        """Fill ``region`` with the points of colour ``color`` connected to (r, c), and
        ``border`` with the colours (or liberties) around it."""
        region.add((r, c))
        for rr, cc in self.around(r, c):
            if board[rr][cc] == color:
                if (rr, cc) not in region:
                    self.flood(board, rr, cc, color, region, border)
            else:
                border.add((rr, cc) if board[rr][cc] == 0 else board[rr][cc])

    def liberties(self, board, r, c):
        region, border = set(), set()
        self.flood(board, r, c, board[r][c], region, border)
        return region, {b for b in border if isinstance(b, tuple)}

    def after(self, action):
        """(board, None) after the move, or (None, reason)."""
        if self.passes >= 2 or self.moves >= self.max_moves:
            return None, "game over"
        if action == self.size ** 2:
            return self.board, None
        r, c = divmod(action, self.size)
        if self.board[r][c]:
            return None, "occupied"
        board = [row[:] for row in self.board]
        board[r][c] = self.to_play
        for rr, cc in self.around(r, c):
            if board[rr][cc] == -self.to_play:
                group, libs = self.liberties(board, rr, cc)
                if not libs:
                    for gr, gc in group:
                        board[gr][gc] = 0
        if not self.liberties(board, r, c)[1]:
            return None, "suicide"
        if self.key(board) in self.seen:
            return None, "ko"
        return board, None

    def legal(self):
        return [self.after(a)[0] is not None for a in range(self.size ** 2 + 1)]

    def play(self, action):
        board, reason = self.after(action)
        assert reason is None, reason
        self.passes = self.passes + 1 if action == self.size ** 2 else 0
        self.board, self.to_play, self.moves = board, -self.to_play, self.moves + 1
        self.seen.append(self.key(board))

    def terminal(self):
        return self.passes >= 2 or self.moves >= self.max_moves

    def score(self):
        area = {1: 0, -1: 0}
        done = set()
        for r in range(self.size):
            for c in range(self.size):
                v = self.board[r][c]
                if v:
                    area[v] += 1
                elif (r, c) not in done:
                    region, border = set(), set()
                    self.flood(self.board, r, c, 0, region, border)
                    done |= region
                    if len(border) == 1:
                        area[border.pop()] += len(region)
        return area[1] - area[-1] - self.komi


def at(game, text):
    return game.parse_move(text)


def play_all(state, moves):
    for move in moves:
        state = state.play(state.game.parse_move(move))
    return state


def test_config_registry_and_moves():
    game = make_game("go9")
    assert game == Go(9) and game.action_size == 82 and game.num_planes == 4
    assert game.config() == {"name": "go", "size": 9, "komi": 7.5}
    assert make_game(**Go(5, komi=0.5, max_moves=40).config()) == Go(5, 0.5, 40)
    assert make_game("go19").size == 19 and make_game("go13").action_size == 170
    assert game.format_move(0) == "A9" and game.format_move(8) == "J9"
    assert game.format_move(80) == "J1" and game.format_move(81) == "pass"
    for action in range(82):
        assert game.parse_move(game.format_move(action)) == action
    assert game.parse_move("d4") == game.parse_move(" D4 ") == 5 * 9 + 3
    assert game.parse_move("PASS") == 81
    for bad in ("i5", "k1", "a10", "a0", "xx", "82"):
        with pytest.raises(IllegalMove) as error:
            game.parse_move(bad)
        assert error.value.reason == "out of board"
    with pytest.raises(ValueError):
        Go(1)


def test_capture_single_and_group_at_edge_and_corner():
    game = Go(5)
    corner = game.setup(["O....", ".....", ".....", ".....", "....."])
    state = play_all(corner, ["B5", "pass", "A4"])  # black A4 takes white A5
    assert state.board[0, 0] == 0 and state.board[0, 1] == 1 and state.board[1, 0] == 1
    edge = game.setup(["XOO..", ".XX..", ".....", ".....", "....."])
    after = edge.play(at(game, "D5"))  # takes B5-C5, whose last liberty it was
    assert after.board[0].tolist() == [1, 0, 0, 1, 0]
    assert after.board.sum() == 4


def test_setup_refuses_a_group_without_liberty():
    with pytest.raises(ValueError, match="no liberty"):
        Go(5).setup(["XOOX.", ".XX..", ".....", ".....", "....."])


def test_single_capture_in_the_middle():
    game = Go(5)
    state = game.setup([".....", "..X..", ".XO..", "..X..", "....."])
    after = state.play(at(game, "D3"))
    assert after.board[2, 2] == 0 and after.board[2, 3] == 1
    assert after.legal_mask()[at(game, "C3")] == False  # noqa: E712 (white: suicide)
    with pytest.raises(IllegalMove) as error:
        after.play(at(game, "C3"))
    assert error.value.reason == "suicide"


def test_group_capture_in_the_corner():
    game = Go(5)
    state = game.setup([".....", ".....", "XXX..", "OOX..", "O.X.."])
    after = state.play(at(game, "B1"))
    assert after.board[3:, :2].tolist() == [[0, 0], [0, 1]]
    assert after.board.sum() == 6


def test_snapback():
    game = Go(5)
    state = game.setup([".....", ".....", "OOOO.", "XXXO.", "..XO."], to_play=-1)
    state = state.play(at(game, "B1"))  # the throw-in: white B1 has one liberty, A1
    assert state.board[4, 1] == -1
    state = state.play(at(game, "A1"))  # black takes it
    assert state.board[4].tolist() == [1, 0, 1, -1, 0]
    state = state.play(at(game, "B1"))  # white takes back five stones: not a ko
    assert state.board[3:, :3].tolist() == [[0, 0, 0], [0, -1, 0]]


def test_simple_ko_refused_then_allowed_after_a_move_elsewhere():
    game = Go(5)
    state = game.setup([".....", ".XO..", "XO.O.", ".XO..", "....."])
    state = state.play(at(game, "C3"))  # black takes the ko
    assert state.board[2, 1] == 0
    ko = at(game, "B3")
    assert not state.legal_mask()[ko]
    with pytest.raises(IllegalMove) as error:
        state.play(ko)
    assert error.value.reason == "ko"
    state = play_all(state, ["E1", "E5"])  # a threat and an answer elsewhere
    assert state.legal_mask()[ko]
    state = state.play(ko)
    assert state.board[2, 1] == -1 and state.board[2, 2] == 0


TRIPLE_KO = [
    ".XO...OX.",
    "XO.O.OX.X",
    ".XO...OX.",
    ".........",
    ".........",
    ".XO......",
    "XO.O.....",
    ".XO......",
    ".........",
]


def test_positional_superko_in_a_triple_ko():
    game = Go(9)
    start = game.setup(TRIPLE_KO)
    # black takes ko 1, white ko 2, black ko 3, white retakes 1, black retakes 2
    state = play_all(start, ["C8", "H8", "C3", "B8", "G8"])
    cycle = at(game, "B3")  # white retaking ko 3 would bring back the starting position
    assert not state.legal_mask()[cycle]
    with pytest.raises(IllegalMove) as error:
        state.play(cycle)
    assert error.value.reason == "ko"
    # the same board without that history allows it: only the whole game refuses it
    fresh = game.setup(state.board, to_play=-1)
    assert fresh.legal_mask()[cycle]
    assert numpy.array_equal(fresh.play(cycle).board, start.board)


def test_superko_refuses_a_quiet_move():
    # a move that captures nothing (it has an empty neighbour, no opponent beside it)
    # can recreate an earlier position too, here the one of eight moves before
    game = Go(3)
    moves = ["B3", "C2", "A2", "A1", "C1", "B1", "C3", "C1", "A3", "B2", "B3", "C3", "A2"]
    state, ref = play_all(game.initial_state(), moves), Reference(3, 7.5, 18)
    for move in moves:
        ref.play(game.parse_move(move))
    quiet = at(game, "C2")
    around = [state.board.reshape(-1)[q] for q in (2, 4, 8)]  # C3, B2, C1
    assert 0 in around and -state.to_play not in around
    assert ref.after(quiet)[1] == "ko" and not state.legal_mask()[quiet]
    with pytest.raises(IllegalMove) as error:
        state.play(quiet)
    assert error.value.reason == "ko"


def test_suicide_single_and_multi_stone_and_capture_that_looks_like_suicide():
    game = Go(5)
    corner = game.setup([".O...", "O....", ".....", ".....", "....."])
    with pytest.raises(IllegalMove) as error:
        corner.play(at(game, "A5"))
    assert error.value.reason == "suicide"
    group = game.setup([".....", ".....", "OOO..", "XXO..", ".XO.."])
    with pytest.raises(IllegalMove) as error:
        group.play(at(game, "A1"))
    assert error.value.reason == "suicide"
    assert not group.legal_mask()[at(game, "A1")]
    white = game.setup([".....", ".....", "OOO..", "XXO..", ".XO.."], to_play=-1)
    captured = white.play(at(game, "A1"))  # A1 has no liberty but captures three stones
    assert captured.board[3:, :2].tolist() == [[0, 0], [-1, 0]]
    with pytest.raises(IllegalMove) as error:
        group.play(at(game, "B1"))
    assert error.value.reason == "occupied"


def test_scoring_with_territory_dame_and_komi():
    game = Go(5, komi=0.5)
    state = game.setup([".XO..", ".XO..", "XXO..", ".XOOO", ".XO.."])
    assert state.area() == (10, 15)
    assert state.score() == -5.5
    dame = Go(5, komi=7.5).setup([".....", "XXXXX", ".....", "OOOOO", "....."])
    assert dame.area() == (10, 10) and dame.score() == -7.5
    assert Go(5, komi=0).initial_state().score() == 0
    black = Go(5, komi=7.5).setup([".....", ".....", "..X..", ".....", "....."])
    assert black.score() == 25 - 7.5


def test_two_passes_end_the_game_and_max_moves():
    game = Go(5, komi=0.5)
    state = game.initial_state().play(at(game, "C3")).play(25)
    assert not state.is_terminal() and state.winner() is None
    state = state.play(at(game, "B2")).play(25)  # a stone between the passes
    assert not state.is_terminal()
    state = state.play(25)
    assert state.is_terminal() and state.winner() == 1
    assert not state.legal_mask().any()
    with pytest.raises(IllegalMove) as error:
        state.play(25)
    assert error.value.reason == "game over"
    capped = Go(5, komi=0.5, max_moves=3).initial_state()
    capped = play_all(capped, ["A1", "E5", "pass"])
    assert capped.is_terminal() and capped.winner() == -1  # 1 - 1 - 0.5


def test_planes_eyes_and_render():
    game = Go(5)
    state = game.setup(["X.X..", "XX...", ".....", "...O.", "....."], to_play=-1)
    planes = state.planes()
    assert planes.shape == (4, 5, 5) and planes.dtype == numpy.float32
    assert planes[0].sum() == 1 and planes[1].sum() == 4
    assert planes[2].sum() == 0 and planes[3].sum() == 25
    eyes = state.eye_mask(1)
    assert eyes.shape == (26,) and numpy.flatnonzero(eyes).tolist() == [1]
    assert not state.eye_mask().any()  # white has no eye
    text = state.render()
    assert text.splitlines()[0].split() == list("ABCDE")
    assert text.splitlines()[1] == " 5 X . X . .  5"
    with pytest.raises(ValueError):
        state.board[0, 0] = 0


def test_eye_rule_counts_enemy_diagonals():
    game = Go(5)
    eye = lambda rows, point: game.setup(rows).eye_mask(1)[at(game, point)]  # noqa: E731
    assert eye(["X.X..", "XX...", ".....", ".....", "....."], "B5")
    assert not eye(["X.X..", "XXO..", ".....", ".....", "....."], "B5")  # edge: none
    assert eye([".....", ".XO..", "X.X..", ".X...", "....."], "B3")  # middle: one
    assert not eye([".....", ".XO..", "X.X..", ".XO..", "....."], "B3")  # but not two
    assert not eye([".....", ".XO..", "X.X..", "OX...", "....."], "B3")
    assert not eye([".....", ".X...", "X.O..", ".X...", "....."], "B3")  # a white side


def perft(state, depth):
    if depth == 0 or state.is_terminal():
        return 1
    return sum(perft(state.play(a), depth - 1) for a in state.legal_moves())


def reference_perft(ref, depth):
    if depth == 0 or ref.terminal():
        return 1
    total = 0
    for action, ok in enumerate(ref.legal()):
        if ok:
            child = Reference(ref.size, ref.komi, ref.max_moves)
            child.board = [row[:] for row in ref.board]
            child.to_play, child.passes, child.moves = ref.to_play, ref.passes, ref.moves
            child.seen = list(ref.seen)
            child.play(action)
            total += reference_perft(child, depth - 1)
    return total


def test_perft_by_hand_on_3x3():
    state = Go(3).initial_state()
    assert perft(state, 1) == 10
    # after a stone white has 8 points and the pass; after black's pass, 9 points and a
    # pass that ends the game
    assert perft(state, 2) == 9 * 9 + 10


@pytest.mark.parametrize("size,depth", [(3, 4), (4, 3)])
def test_perft_against_the_reference(size, depth):
    game = Go(size)
    ref = Reference(size, game.komi, game.max_moves)
    assert perft(game.initial_state(), depth) == reference_perft(ref, depth)


def test_perft_through_captures_and_ko():
    # a crowded 3x3 position where captures, suicide and ko all happen within three plies
    game = Go(3)
    state = game.setup(["XO.", ".XO", "X.O"])
    ref = Reference(3, game.komi, game.max_moves)
    ref.board = [[1, -1, 0], [0, 1, -1], [1, 0, -1]]
    ref.seen = [ref.key(ref.board)]
    assert perft(state, 5) == reference_perft(ref, 5)


@pytest.mark.parametrize("size,games,seed", [(2, 20, 0), (3, 12, 1), (4, 6, 2), (5, 3, 3),
                                             (7, 1, 4), (9, 1, 5)])
def test_random_games_against_the_reference(size, games, seed):
    rng = numpy.random.default_rng(seed)
    game = Go(size, komi=0.5)
    capped = captures = ko = 0
    for g in range(games):
        state, ref = game.initial_state(), Reference(size, 0.5, game.max_moves)
        # odd games: mostly the eye-sparing player, which ends games by passing; even
        # games: any legal stone, a pass only when none is left, up to the move cap
        eyes_player = RandomGoPlayer(seed * 100 + g) if g % 2 else None
        while True:
            legal = state.legal_mask()
            assert legal.tolist() == ref.legal()
            assert state.board.tolist() == ref.board
            if state.is_terminal():
                break
            # refused moves are refused for the reference's reason: every empty point
            # refused (suicide, ko), and one occupied point
            refused = numpy.flatnonzero(~legal[:-1] & (state.board.reshape(-1) == 0))
            occupied = numpy.flatnonzero(state.board.reshape(-1))[:1]
            for action in refused.tolist() + occupied.tolist():
                with pytest.raises(IllegalMove) as error:
                    state.play(action)
                assert error.value.reason == ref.after(action)[1]
                ko += error.value.reason == "ko"
            stones = numpy.flatnonzero(legal[:-1])
            if eyes_player is not None and rng.random() < 0.9:
                action = eyes_player.select(state)
            elif len(stones):
                action = int(rng.choice(stones))
            else:
                action = game.pass_move
            before = numpy.count_nonzero(state.board)
            state = state.play(action)
            ref.play(action)
            captures += numpy.count_nonzero(state.board) < before + (action != game.pass_move)
        assert ref.terminal()
        capped += state.moves == game.max_moves
        assert state.score() == ref.score()
        assert state.winner() == (1 if ref.score() > 0 else -1)
    assert capped >= games // 2 and captures >= games
    if size <= 3:
        assert ko > 0  # small boards repeat positions often: superko was exercised


def test_random_go_player_never_fills_its_own_eye():
    game = Go(5)
    state = game.setup([".X...", "X....", ".....", ".....", "....."])
    player = RandomGoPlayer(0)
    for _ in range(50):
        assert player.select(state) != 0
    full = game.setup([".X.X.", "XXXXX", "XXXXX", "XXXXX", "XXXX."])
    assert player.select(full) == 25  # only its own eyes are left: it passes
