"""shenjing.zero: AlphaZero on board games.

A residual policy-value network (``network``), PUCT Monte Carlo tree search guided by it
(``mcts``), plain UCT with random roll-outs as a baseline (``uct``), and the self-play
training loop (``selfplay``, ``train``), over the games of ``zero.games``.
"""
