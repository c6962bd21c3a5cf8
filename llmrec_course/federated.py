"""Federated averaging (FedAvg, McMahan et al., 2017), simulated with torch (notebook 10).

The data never leaves the clients. Each client k holds the interactions of its own users
(a phone, a shop, a region); a server holds only the shared weights θ of the head
(`lrc.models.frozen_head`: a linear layer on frozen text vectors). Every round t:

1. the server sends θ_t to a random share `client_fraction` of the clients;
2. each selected client runs `local_steps` steps of plain SGD on ITS OWN users' losses,
   starting from θ_t, and sends back θ_t^k (never its data);
3. the server averages, weighted by the clients' example counts n_k (training positives):
   θ_{t+1} = Σ_k n_k θ_t^k / Σ_k n_k.

With one client holding everyone, a round is exactly centralised SGD (the test says so); with
many, local steps drift towards each client's own optimum (client drift, worse when clients'
tastes differ), which is why FedAvg usually needs more rounds than centralised training needs
epochs. FedAvg alone is not a privacy guarantee: the updates θ_t^k can still leak their data
(gradient inversion, membership); DP-SGD on the clients or secure aggregation is added for that.

Why torch and not Flower (`flwr`): Flower 1.42 does install here and its simulation runs
offline (tried on 2026-12-04 in a separate virtualenv: three NumPy clients, 3 rounds of its
FedAvg in 6 s, most of it starting Ray). But it is not a dependency of the course: it brings
some 25 packages (Ray, grpcio, cryptography, FastAPI, …, 528 MB) and would *downgrade* packages
the course already uses (protobuf 7 → 6, which onnx reads models with; packaging 26 → 25;
rich, typer); its `run_simulation` is deprecated in favour of the `flwr run` CLI and an app
project; and its clients run in Ray worker processes, out of sight of a notebook cell and of a
seeded test. The algorithm itself is the dozen lines of `FedAvgTwoTower._train_head` below,
which is what notebook 10 shows.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import torch

from .data.schema import USER_COL, RecData
from .models.base import check_positive_ints
from .models.content import user_histories
from .models.frozen_head import FrozenHeadTwoTower, HeadTower, make_user_batch, user_losses

__all__ = ["Client", "FedAvgTwoTower", "average_weights", "local_update", "split_clients"]


@dataclasses.dataclass(frozen=True)
class Client:
    """One client's data, and nothing else: `rows`, the interactions of its users (global user
    indices `users`); from them each user's latest training positives (`positives[n]` for
    users[n], at most max_items) and every item they touched (`touched[n]`). num_examples =
    the client's training positives, its weight in the server's average."""

    users: np.ndarray
    rows: pd.DataFrame
    positives: list[np.ndarray]
    touched: list[np.ndarray]

    @property
    def num_examples(self) -> int:
        return int(sum(len(p) for p in self.positives))


def split_clients(
    train: RecData, num_clients: int, users: np.ndarray, max_items: int = 20, seed: int = 0
) -> list[Client]:
    """`users` (indices) shuffled and cut into `num_clients` disjoint groups; each `Client` is
    built from its own users' rows of `train` only (latest unique positives, as in training)."""
    check_positive_ints(num_clients=num_clients, max_items=max_items)
    users = np.asarray(users, dtype=np.int64)
    if num_clients > len(users):
        raise ValueError(f"num_clients={num_clients} exceeds the {len(users)} training users")
    order = np.random.default_rng(seed).permutation(users)
    frame = train.interactions
    codes = train.user_codes(frame[USER_COL])
    clients = []
    for group in np.array_split(order, num_clients):
        group = np.sort(group)
        rows = frame[np.isin(codes, group)]  # this client's rows, nobody else's
        clients.append(_client(rows, train, group, max_items))
    return clients


def _client(rows, train: RecData, group: np.ndarray, max_items: int) -> Client:
    """A `Client` from its own rows: `user_histories` on a view holding only them."""
    mine = train.with_interactions(rows)
    indptr, items, _ = user_histories(mine, max_items=max_items, unique=True)
    codes, touched_items = mine.user_codes(), mine.item_codes()
    positives = [items[indptr[u] : indptr[u + 1]] for u in group]
    touched = [np.unique(touched_items[codes == u]) for u in group]
    return Client(group, rows, positives, touched)


def local_update(
    head: HeadTower,
    client: Client,
    item_feats: torch.Tensor,
    steps: int,
    batch_size: int,
    lr: float,
    rng: np.random.Generator,
    loss: str = "bpr",
    temperature: float = 0.1,
) -> dict[str, torch.Tensor]:
    """`steps` steps of plain SGD on the client's own users (batches of `batch_size` drawn
    without replacement); trains `head` in place and returns its weights (a copy)."""
    optimizer = torch.optim.SGD(head.parameters(), lr=lr)
    head.train()
    for _ in range(steps):
        rows = rng.choice(len(client.users), size=min(batch_size, len(client.users)), replace=False)
        batch = make_user_batch(
            item_feats,
            [client.positives[r] for r in rows],
            [client.touched[r] for r in rows],
            client.users[rows],
            rng,
        )
        loss_value = user_losses(head(batch.feats), batch.mask, loss, temperature).mean()
        optimizer.zero_grad()
        loss_value.backward()
        optimizer.step()
    return {k: v.detach().clone() for k, v in head.state_dict().items()}


def average_weights(states: list[dict[str, torch.Tensor]], weights) -> dict[str, torch.Tensor]:
    """The server's step: Σ_k w_k θ^k / Σ_k w_k, tensor by tensor."""
    weights = torch.as_tensor(np.asarray(weights, dtype=np.float64))
    if len(states) != len(weights) or not len(states) or not (weights >= 0).all():
        raise ValueError(
            f"average_weights needs one weight >= 0 per state, got {len(states)} states and "
            f"weights {weights.tolist()}"
        )
    if not weights.sum() > 0:
        raise ValueError("average_weights: the weights sum to 0")
    share = weights / weights.sum()
    return {
        key: sum(float(s) * state[key].double() for s, state in zip(share, states)).to(
            states[0][key].dtype
        )
        for key in states[0]
    }


class FedAvgTwoTower(FrozenHeadTwoTower):
    """The frozen-vector two-tower trained by federated averaging across simulated clients.

    num_clients: disjoint groups of users (1 = centralised SGD on the pooled data). rounds,
    local_steps, client_fraction (share of clients per round, at least one), batch_size (users
    per local step), lr (client SGD). Other arguments: see `FrozenHeadTwoTower`.
    After fit: clients_ (the `Client`s) and round_clients_ (the clients chosen each round).
    """

    name = "fedavg-two-tower"

    def __init__(
        self,
        encoder="minilm",
        num_clients: int = 10,
        rounds: int = 20,
        local_steps: int = 5,
        client_fraction: float = 1.0,
        batch_size: int = 32,
        lr: float = 0.5,
        proj_dim: int = 64,
        loss: str = "bpr",
        temperature: float = 0.1,
        max_items: int = 20,
        pooling: str | None = None,
        max_length: int = 64,
        seed: int = 0,
    ):
        super().__init__(encoder, proj_dim, loss, temperature, max_items, pooling, max_length, seed)
        check_positive_ints(
            num_clients=num_clients, rounds=rounds, local_steps=local_steps, batch_size=batch_size
        )
        if not 0 < client_fraction <= 1:
            raise ValueError(f"client_fraction must be in (0, 1], got {client_fraction!r}")
        if not lr > 0:
            raise ValueError(f"lr must be > 0, got {lr!r}")
        self.num_clients = num_clients
        self.rounds = rounds
        self.local_steps = local_steps
        self.client_fraction = float(client_fraction)
        self.batch_size = batch_size
        self.lr = float(lr)

    def _train_head(self, head: HeadTower, train: RecData) -> None:
        self.clients_ = split_clients(
            train, self.num_clients, self.trainable_users_, self.max_items, self.seed
        )
        picker = np.random.default_rng([self.seed, 1])
        per_round = max(1, int(round(self.client_fraction * self.num_clients)))
        self.round_clients_ = []
        for t in range(self.rounds):
            chosen = np.sort(picker.choice(self.num_clients, size=per_round, replace=False))
            self.round_clients_.append(chosen.tolist())
            states, counts = [], []
            for k in chosen:  # each client starts from the global weights θ_t
                local = copy.deepcopy(head)
                rng = np.random.default_rng([self.seed, t, int(k)])
                states.append(
                    local_update(
                        local,
                        self.clients_[k],
                        self.item_feats_,
                        self.local_steps,
                        self.batch_size,
                        self.lr,
                        rng,
                        self.loss,
                        self.temperature,
                    )  # fmt: skip
                )
                counts.append(self.clients_[k].num_examples)
            head.load_state_dict(average_weights(states, counts))  # θ_{t+1}
