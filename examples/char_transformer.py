"""A character-level GPT on Tiny Shakespeare, written with the PyTorch face as nanoGPT does.

    python examples/char_transformer.py [--epochs 2 --batch-size 32 --data DIR --out DIR]
    shenjing run char_transformer

The 1,115,394 characters are split 90/10 (the first 90% trains, the last 10% validates)
and coded as indices into their 65 distinct characters.  A decoder-only transformer reads
a block of 64 characters and predicts, at every position t, the character t + 1:

    x_0 = E_token[c_t] + E_pos[t]                       learned position embeddings
    x <- x + MHA(LN(x), causal mask)   (n_layer times)  position t attends to 0..t only
    x <- x + W_2 GELU(W_1 LN(x))                        pre-norm blocks, as GPT-2
    p(c_{t+1} | c_0..t) = softmax(W_out LN(x_t))

The causal mask is True above the diagonal (key j > query t may not be attended to), so
one forward pass trains all 64 next-character predictions of a block at once.  The loss is
the mean cross-entropy in nats per character: a uniform guess costs ln 65 = 4.17, the
unigram frequencies 3.3.  AdamW with weight decay on the matrices only, a short linear
warm-up then cosine decay of the learning rate, gradient clipping at norm 1.

An epoch is one pass over the training text in windows of 64 characters (a random offset
each epoch); the validation loss is the mean over every character of the validation text,
read in consecutive blocks.  At the defaults (4 layers of width 128, 4 heads, 818k
parameters, 2 epochs of 490 steps: about 4.5 CPU-minutes) it reached a validation loss of
1.71 nats/char (``char_lstm``, the same data, 1.68); ``samples.txt`` holds text sampled
with temperature 0.8 and top-k 20 (``shenjing.text.generate``).
"""

import math
import sys

import numpy as np

import shenjing as torch
from shenjing import nn
from shenjing.datasets import tinyshakespeare
from shenjing.nn import functional as F
from shenjing.text import (decode, encode_split, generate, next_char_blocks,
                           unigram_cross_entropy)

BLOCK, WIDTH, HEADS, LAYERS = 64, 128, 4, 4
LEARNING_RATE, WEIGHT_DECAY, WARMUP = 2e-3, 0.1, 100
TEMPERATURE, TOP_K, SAMPLE_LENGTH = 0.8, 20, 500


class GPT(nn.Module):
    """Decoder-only transformer: (N, T) character indices, T <= block_size -> (N, T, vocab)
    logits of the next character at each position (and the mean cross-entropy against
    ``targets`` (N, T) when given)."""

    def __init__(self, vocab_size, block_size=BLOCK, n_embd=WIDTH, n_head=HEADS,
                 n_layer=LAYERS, dropout=0.0):
        super().__init__()
        self.block_size = block_size
        self.token_embedding = nn.Embedding(vocab_size, n_embd)
        self.position_embedding = nn.Embedding(block_size, n_embd)
        self.blocks = nn.ModuleList([
            nn.TransformerEncoderLayer(n_embd, n_head, dim_feedforward=4 * n_embd,
                                       dropout=dropout, activation="gelu", batch_first=True,
                                       norm_first=True)
            for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab_size)
        # True above the diagonal: position t may not attend to the future j > t
        self.register_buffer("causal_mask", torch.triu(
            torch.ones(block_size, block_size, dtype=torch.bool), diagonal=1), persistent=False)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module):
        # GPT-2's N(0, 0.02) for the embeddings and the read-out
        if isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, 0.0, 0.02)

    def forward(self, idx, targets=None):
        n, t = idx.shape
        if t > self.block_size:
            raise ValueError(f"GPT: a sequence of {t} characters is longer than the block "
                             f"size {self.block_size}")
        x = self.token_embedding(idx) + self.position_embedding(torch.arange(t))
        mask = self.causal_mask[:t, :t]
        for block in self.blocks:
            x = block(x, src_mask=mask, is_causal=True)
        logits = self.head(self.ln_f(x))
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.reshape(n * t, -1), targets.reshape(n * t))
        return logits, loss

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, generator=None):
        """(N, T) indices -> (N, T + max_new_tokens): each new character sampled from the
        last block_size characters (temperature and top-k: ``shenjing.text.generate``)."""
        was_training = self.training
        self.eval()

        def next_logits(ids):
            logits, _ = self(torch.from_numpy(ids))
            return logits[:, -1, :].numpy()

        out = generate(next_logits, np.asarray(idx), max_new_tokens, temperature, top_k,
                       window=self.block_size, generator=generator)
        self.train(was_training)
        return out


def load(session):
    """The text as int64 character indices, split 90/10: (train, val, chars)."""
    return encode_split(tinyshakespeare.load_data(path=session.data), 0.9)


def evaluate(model, x, y, batch_size=256):
    """Mean cross-entropy (nats/char) of ``model`` over every position of the blocks x, y."""
    model.eval()
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            xb, yb = (torch.from_numpy(a[start:start + batch_size]) for a in (x, y))
            _, loss = model(xb, yb)
            total += loss.item() * len(xb)
    model.train()
    return total / len(x)


def configure_optimizer(model, steps):
    """AdamW with weight decay on the weight matrices only (not on biases, norms or
    embeddings, as nanoGPT), and its schedule: linear warm-up, then cosine decay to a tenth
    of the peak rate over ``steps``."""
    decay = [p for name, p in model.named_parameters()
             if p.ndim >= 2 and "embedding" not in name]
    keep = [p for name, p in model.named_parameters()
            if not (p.ndim >= 2 and "embedding" not in name)]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY},
                                   {"params": keep, "weight_decay": 0.0}],
                                  lr=LEARNING_RATE, betas=(0.9, 0.99))
    warmup = min(WARMUP, max(1, steps // 10))

    def factor(step):
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, steps - warmup)
        return 0.1 + 0.45 * (1 + math.cos(math.pi * min(1.0, progress)))

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def train(session):
    """Train the GPT; returns the validation loss (nats/char) and writes samples.txt."""
    train_data, val_data, chars = load(session)
    x_val, y_val = session.take(*next_char_blocks(val_data, BLOCK))
    torch.manual_seed(session.seed)
    rng = np.random.default_rng(session.seed)
    model = GPT(len(chars))
    per_epoch = len(session.take(next_char_blocks(train_data, BLOCK)[0])) // session.batch_size
    optimizer, schedule = configure_optimizer(model, per_epoch * session.epochs)
    session.log(f"char_transformer: {sum(p.numel() for p in model.parameters()):,} "
                f"parameters, {per_epoch} steps per epoch")

    for epoch in range(1, session.epochs + 1):
        offset = int(rng.integers(BLOCK))        # new block boundaries each epoch
        x, y = session.take(*next_char_blocks(train_data, BLOCK, offset))
        order = rng.permutation(len(x))
        total = 0.0
        for step in session.progress(range(per_epoch), epoch, total=per_epoch):
            batch = order[step * session.batch_size:(step + 1) * session.batch_size]
            _, loss = model(torch.from_numpy(x[batch]), torch.from_numpy(y[batch]))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            session.check_loss(loss.item(), epoch, step)
            total += loss.item()
        session.end_epoch(epoch, {"loss": total / per_epoch,
                                  "val_loss": evaluate(model, x_val, y_val)},
                          save=lambda path: torch.save(model.state_dict(), path),
                          filename="model.safetensors")

    prompt = np.array([[chars.index("\n")]], dtype=np.int64)
    length = SAMPLE_LENGTH if session.limit is None else SAMPLE_LENGTH // 5   # quick runs
    sample = model.generate(prompt, length, TEMPERATURE, TOP_K,
                            generator=np.random.default_rng(session.seed))
    text = decode(sample[0], chars)
    session.path("samples.txt").write_text(text, encoding="utf-8")
    session.log(text[:300])

    from shenjing.plots import plot_curves
    plot_curves({"loss (nats/char)": {"train": session.series("loss"),
                                      "validation": session.series("val_loss")}},
                session.path("history.png"), title="char_transformer")
    unigram = unigram_cross_entropy(train_data, val_data, len(chars))
    session.log(f"char_transformer: validation {session.history[-1]['val_loss']:.4f} "
                f"nats/char; unigram baseline {unigram:.4f}; uniform {math.log(len(chars)):.4f}")
    return {"val_loss": session.history[-1]["val_loss"], "loss": session.history[-1]["loss"],
            "unigram_val_loss": unigram}


if __name__ == "__main__":
    from shenjing.commands.run import script_main
    sys.exit(script_main("char_transformer", train))
