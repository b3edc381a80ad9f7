"""Games and matches: who moves first, what the players are told, how results count."""

import pytest

from shenjing.zero.arena import match, play_game
from shenjing.zero.games import game_names, make_game
from shenjing.zero.games.tictactoe import TicTacToe
from shenjing.zero.minimax import MinimaxPlayer
from shenjing.zero.players import FunctionPlayer, RandomPlayer

GAME = TicTacToe()


class Recording(FunctionPlayer):
    """Plays the lowest legal move; records its colours, resets and what it is told."""

    def __init__(self, name):
        super().__init__(lambda s: s.legal_moves()[0], name)
        self.colours, self.seen, self.resets = [], [], 0

    def select(self, state):
        self.colours.append(state.to_play)
        return super().select(state)

    def observe(self, action):
        self.seen.append(action)

    def reset(self):
        self.resets += 1
        self.colours, self.seen = [], []


def test_play_game_first_mover_and_observations():
    # both play the lowest free cell: X takes 0, 2, 4, 6 and wins on the diagonal
    a, b = Recording("a"), Recording("b")
    result = play_game(GAME, (a, b), first=0, record=True)
    assert result.moves == [0, 1, 2, 3, 4, 5, 6] and result.result == 1
    assert a.colours == [1] * 4 and b.colours == [-1] * 3
    assert a.seen == b.seen == result.moves and a.resets == b.resets == 1
    assert len(result.states) == 8 and result.states[-1].winner() == 1

    result = play_game(GAME, (a, b), first=1)
    assert result.result == -1 and result.first == 1 and result.states is None
    assert a.colours == [-1] * 3 and b.colours == [1] * 4 and a.resets == 2


def test_match_counts_and_alternates_colours():
    a, b = Recording("a"), Recording("b")
    firsts = []
    result = match(GAME, a, b, games=5, progress=lambda i, g, m: firsts.append(
        (i, g.first, m.games)))
    # the first mover always wins with these scripts: A wins games 0, 2, 4
    assert (result.wins, result.losses, result.draws) == (3, 2, 0)
    assert result.games == 5 and result.score == pytest.approx(0.6)
    assert [r.first for r in result.results] == [0, 1, 0, 1, 0]
    assert firsts == [(i, i % 2, i + 1) for i in range(5)]

    fixed = match(GAME, a, b, games=4, swap=False)
    assert (fixed.wins, fixed.losses, fixed.score) == (4, 0, 1.0)


def test_draws_count_half():
    # a scripted draw: X 4 0 5 7 2, O 8 3 1 6 -> no line
    script = iter([4, 8, 0, 3, 5, 1, 7, 6, 2] * 2)
    player = FunctionPlayer(lambda s: next(script))
    result = match(GAME, player, player, games=2)
    assert (result.wins, result.losses, result.draws) == (0, 0, 2)
    assert result.score == 0.5


def test_minimax_against_itself_always_draws():
    result = match(GAME, MinimaxPlayer(seed=0), MinimaxPlayer(seed=1), games=6)
    assert result.draws == 6, str(result)


def test_minimax_never_loses_to_random():
    result = match(GAME, MinimaxPlayer(seed=0), RandomPlayer(seed=0), games=10)
    assert result.losses == 0 and result.wins >= 5


def test_other_games_play_to_the_end():
    for name in ("connect4", "gomoku"):
        if name not in game_names():
            continue
        game = make_game(name) if name == "connect4" else make_game(name, size=6, k=4)
        result = play_game(game, (RandomPlayer(seed=0), RandomPlayer(seed=1)), record=True)
        assert result.result in (1, 0, -1) and result.states[-1].is_terminal()
        assert len(result.states) == len(result.moves) + 1
