"""A Go engine of shenjing against GNU Go level 1 on 9x9, relayed move by move over GTP
as a referee (GoGui's twogtp) plays it: Chinese rules, komi 7.5, colours alternating,
GNU Go seeded per game, dead stones left on the board when GNU Go passes.  Each game is
scored by both engines' ``final_score``; a win is counted by GNU Go's.

    python -m benchmarks.go_vs_gnugo [--games 20] [--player shipped:200 | playout:300]

Prints one line per game and the wins, draws, losses and score agreement.  (A benchmark,
not a test: it needs gnugo, and a game takes tens of seconds.)
"""

import argparse
import shutil
import sys
import time

from shenjing.zero.gtp import GTPClient
from shenjing.zero.imitate import parse_score


def gnugo_argv(seed, level=1):
    """GNU Go's GTP command line (Debian puts it in /usr/games)."""
    path = shutil.which("gnugo") or shutil.which("gnugo", path="/usr/games")
    if path is None:
        raise SystemExit("go_vs_gnugo: GNU Go not found (apt-get install gnugo)")
    return [path, "--mode", "gtp", "--chinese-rules", "--positional-superko",
            "--never-resign", "--level", str(level), "--seed", str(seed)]


def play_match(player, games, size=9, seed=7, report=print):
    """``games`` games of ``shenjing zero gtp --player PLAYER`` against GNU Go level 1,
    shenjing black in the even games: a list of dicts (colour, moves, ours, theirs,
    margin (for shenjing, by GNU Go's count), seconds)."""
    argv = [sys.executable, "-m", "shenjing", "zero", "gtp", "--size", str(size),
            "--player", player, "--seed", str(seed)]
    results = []
    with GTPClient(argv, timeout=300) as ours:
        for game in range(games):
            start = time.perf_counter()
            with GTPClient(gnugo_argv(game + 1)) as gnugo:
                for client in (ours, gnugo):
                    for command in (f"boardsize {size}", "clear_board", "komi 7.5"):
                        client.send(command)
                colour_of_ours = "b" if game % 2 == 0 else "w"
                players = {colour_of_ours: ours, ("w" if colour_of_ours == "b" else "b"): gnugo}
                colour, moves = "b", []
                while moves[-2:] != ["pass", "pass"] and len(moves) < 4 * size * size:
                    mover = players[colour]
                    other = players["w" if colour == "b" else "b"]
                    move = mover.send(f"genmove {colour}")
                    other.send(f"play {colour} {move}")   # raises if it is refused
                    moves.append(move.lower())
                    colour = "w" if colour == "b" else "b"
                theirs, mine = gnugo.send("final_score"), ours.send("final_score")
            margin = parse_score(theirs) * (1 if colour_of_ours == "b" else -1)
            results.append(dict(colour=colour_of_ours, moves=len(moves), ours=mine,
                                theirs=theirs, margin=margin,
                                seconds=round(time.perf_counter() - start, 1)))
            if report:
                r = results[-1]
                report(f"game {game + 1:2d}: shenjing {'black' if r['colour'] == 'b' else 'white'}"
                       f", {r['moves']} moves, GNU Go counts {theirs}, shenjing {mine}: "
                       f"{'won' if margin > 0 else 'lost' if margin < 0 else 'drew'} "
                       f"({r['seconds']} s)")
    return results


def summary(results):
    """(wins, draws, losses, games where both final_score answers agree)."""
    wins = sum(r["margin"] > 0 for r in results)
    draws = sum(r["margin"] == 0 for r in results)
    agree = sum(r["ours"] == r["theirs"] for r in results)
    return wins, draws, len(results) - wins - draws, agree


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.go_vs_gnugo",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=20)
    parser.add_argument("--player", default="shipped:200",
                        help="shenjing zero gtp's --player (default shipped:200, the shipped "
                             "9x9 network with 200 simulations a move)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    results = play_match(args.player, args.games, seed=args.seed)
    wins, draws, losses, agree = summary(results)
    print(f"{args.player} against GNU Go level 1, {args.games} games: {wins} won, {draws} "
          f"drawn, {losses} lost; final_score agreed in {agree}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
