"""A CNN over embedded token ids ``(N, L)`` (text as bytes or words): cheap where a
transformer is slow.

``ids -> nn.Embedding (id 0 = padding, a zero vector) -> embedding_transform -> padding set
back to zero -> the residual 1-D CNN (embedding dimensions as channels) -> global average
pool``: ``out_dim = width``. It takes ``embedding_transform`` as the transformer does (RQ on
the embedded tokens), on content only: padding stays zero, so the augmentation cannot make
the padding say something. Convolutions see no absolute position; any ``L >= 1`` is taken.

Why it exists: on wordnet_glosses (128 byte tokens) no SimCLR arm of the DABS transformer
left its untrained encoder behind in 500 steps, and its step is slow on a CPU; a step of this
encoder costs 0.22x the width-64 transformer's (0.34 s against 1.55 s, batch 64, one thread,
timed side by side: ``benchmarks/recipe_search/step_cost_power_1thread.txt``).

Parameters at width 64 with a 259-token byte vocabulary: 119,936 (16,576 in the table).
"""

from __future__ import annotations

from torch import Tensor

from randquant.models.base import EmbeddingTransform, Encoder, check_width, transform_tokens
from randquant.models.cnn1d import CNN1d
from randquant.models.embeddings import check_token_ids, token_table


class TokenCNN(Encoder):
    """Token embedding + residual 1-D CNN with global average pooling.

    >>> import torch
    >>> net = TokenCNN(vocab_size=20, width=16)
    >>> ids = torch.tensor([[3, 4, 5, 0, 0], [7, 1, 2, 9, 0]])
    >>> net(ids).shape, net(ids, embedding_transform=lambda t: 2 * t).shape
    (torch.Size([2, 16]), torch.Size([2, 16]))
    """

    name = "token_cnn"

    def __init__(self, *, vocab_size: int, width: int = 64) -> None:
        if vocab_size < 2:
            raise ValueError(f"vocab_size must be >= 2 (id 0 is padding), got {vocab_size}")
        check_width(width)
        super().__init__(out_dim=width)
        self.vocab_size = vocab_size
        self.embed = token_table(vocab_size, width)
        self.cnn = CNN1d(in_channels=width, width=width)

    def check_input(self, x: Tensor) -> None:
        """Needs ``(N, L)`` integer ids in ``[0, vocab_size)``."""
        check_token_ids(self.name, x, self.vocab_size, None)

    def encode(self, x: Tensor, embedding_transform: EmbeddingTransform | None = None) -> Tensor:
        """Features of checked ids; ``embedding_transform`` moves the non-padding tokens."""
        tokens = self.embed(x)
        if embedding_transform is not None:
            tokens = transform_tokens(embedding_transform, tokens)
            tokens = tokens.masked_fill((x == 0).unsqueeze(-1), 0.0)
        return self.cnn.encode(tokens.transpose(1, 2))

    def forward(self, x: Tensor, embedding_transform: EmbeddingTransform | None = None) -> Tensor:
        """Features ``(N, out_dim)``; ``embedding_transform`` acts on tokens ``(N, L, D)``."""
        self.check_input(x)
        return self.encode(x, embedding_transform)

    def extra_repr(self) -> str:
        return f"vocab_size={self.vocab_size}, out_dim={self.out_dim}"
