"""Federated averaging (`lrc.federated`): the server's average by hand, one client = centralised
SGD, and clients that hold (and read) only their own users' rows."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import torch
from test_privacy import noisy_planted, topic_auc

import llmrec_course as lrc
from llmrec_course.federated import FedAvgTwoTower, average_weights, local_update, split_clients
from llmrec_course.models import frozen_head
from llmrec_course.models.content import user_histories
from llmrec_course.models.frozen_head import HeadTower, user_losses


@pytest.fixture(scope="module")
def train():
    return lrc.data.leave_last_out(noisy_planted(num_users=80))[0]


def test_average_weights_by_hand():
    torch.manual_seed(0)
    heads = [HeadTower(3, 2) for _ in range(3)]
    states = [h.state_dict() for h in heads]
    counts = [10, 30, 60]
    got = average_weights(states, counts)
    for key in ("proj.weight", "proj.bias"):
        want = 0.1 * states[0][key] + 0.3 * states[1][key] + 0.6 * states[2][key]
        torch.testing.assert_close(got[key], want)
    with pytest.raises(ValueError, match="one weight"):
        average_weights(states, [1, 2])
    with pytest.raises(ValueError, match="sum to 0"):
        average_weights(states, [0, 0, 0])


def test_clients_are_disjoint_and_built_from_their_own_rows(train):
    users = np.arange(train.num_users)
    clients = split_clients(train, 4, users, max_items=50, seed=0)
    groups = [set(c.users.tolist()) for c in clients]
    assert sum(len(g) for g in groups) == train.num_users == len(set().union(*groups))
    indptr, items, _ = user_histories(train, max_items=50, unique=True)
    matrix = train.interaction_matrix()
    for client in clients:
        for n, u in enumerate(client.users):
            np.testing.assert_array_equal(client.positives[n], items[indptr[u] : indptr[u + 1]])
            np.testing.assert_array_equal(client.touched[n], matrix[u].indices)
    assert sum(c.num_examples for c in clients) == len(items)
    # each client holds exactly its users' rows of the training data, and nobody else's
    codes = train.user_codes()
    for client, group in zip(clients, groups):
        assert set(train.user_codes(client.rows["user_id"]).tolist()) <= group
        assert len(client.rows) == int(np.isin(codes, list(group)).sum())


def test_a_round_is_the_example_weighted_mean_of_the_clients_updates(tiny_bert, train):
    steps, batch_size, lr = 3, 8, 0.2
    model = FedAvgTwoTower(
        tiny_bert, num_clients=3, rounds=1, local_steps=steps, batch_size=batch_size, lr=lr,
        proj_dim=8, seed=1,
    ).fit(train)  # fmt: skip
    torch.manual_seed(1)
    start = HeadTower(model.item_feats_.shape[1], 8)  # θ_0, the global initialisation
    total = {k: torch.zeros_like(v, dtype=torch.float64) for k, v in start.state_dict().items()}
    counts = [c.num_examples for c in model.clients_]
    for k, client in enumerate(model.clients_):
        local = copy.deepcopy(start)
        rng = np.random.default_rng([1, 0, k])
        state = local_update(local, client, model.item_feats_, steps, batch_size, lr, rng)
        for key in total:
            total[key] += counts[k] * state[key].double()
    for key, value in total.items():
        torch.testing.assert_close(model.head_state_[key], (value / sum(counts)).float())


def test_one_client_equals_centralised_sgd_of_the_same_steps(tiny_bert, train):
    steps, batch_size, lr = 6, 16, 0.3
    model = FedAvgTwoTower(
        tiny_bert, num_clients=1, rounds=1, local_steps=steps, batch_size=batch_size, lr=lr,
        proj_dim=8, seed=3,
    ).fit(train)  # fmt: skip
    # centralised: the same head initialisation, SGD on every user's loss, the same draws
    torch.manual_seed(3)
    head = HeadTower(model.item_feats_.shape[1], 8)
    everyone = model.clients_[0]
    optimizer = torch.optim.SGD(head.parameters(), lr=lr)
    rng = np.random.default_rng([3, 0, 0])
    for _ in range(steps):
        rows = rng.choice(len(everyone.users), size=batch_size, replace=False)
        batch = frozen_head.make_user_batch(
            model.item_feats_,
            [everyone.positives[r] for r in rows],
            [everyone.touched[r] for r in rows],
            everyone.users[rows],
            rng,
        )
        optimizer.zero_grad()
        user_losses(head(batch.feats), batch.mask).mean().backward()
        optimizer.step()
    for key, value in head.state_dict().items():
        torch.testing.assert_close(model.head_state_[key], value)
    assert not torch.equal(model.head_state_["proj.weight"], HeadTower(8, 8).proj.weight)


def test_a_clients_update_ignores_every_other_clients_rows(tiny_bert, train, monkeypatch):
    model = FedAvgTwoTower(tiny_bert, num_clients=4, rounds=2, local_steps=2, proj_dim=8)
    read = []
    original = frozen_head.make_user_batch

    def recording(item_feats, positives, excluded, users, rng):
        read.append(np.asarray(users).copy())
        return original(item_feats, positives, excluded, users, rng)

    monkeypatch.setattr("llmrec_course.federated.make_user_batch", recording)
    model.fit(train)
    groups = [set(c.users.tolist()) for c in model.clients_]
    # 2 rounds x 4 clients x 2 local steps, in client order: each batch from one client only
    assert len(read) == 16
    for n, users in enumerate(read):
        assert set(users.tolist()) <= groups[(n // 2) % 4]


def test_changing_one_clients_rows_changes_only_its_own_update(tiny_bert, train, monkeypatch):
    import llmrec_course.federated as federated

    def states_of_round_0(data):
        states, original = [], federated.local_update
        monkeypatch.setattr(
            federated,
            "local_update",
            lambda *a, **k: states.append(original(*a, **k)) or states[-1],
        )
        model = FedAvgTwoTower(tiny_bert, num_clients=4, rounds=2, local_steps=3, proj_dim=8)
        model.fit(data)
        monkeypatch.setattr(federated, "local_update", original)
        return model, [s["proj.weight"] for s in states[:4]]  # round 0, clients 0..3

    model, before = states_of_round_0(train)
    user = model.user_ids_[model.clients_[1].users[0]]
    row = train.interactions.iloc[:1].assign(user_id=user, item_id="i300", timestamp=10**9)
    _, after = states_of_round_0(train.with_interactions(pd.concat([train.interactions, row])))
    for k in (0, 2, 3):
        torch.testing.assert_close(before[k], after[k])  # untouched by client 1's new row
    assert not torch.equal(before[1], after[1])


def test_fedavg_learns_the_planted_topics(tiny_bert, train):
    before = FedAvgTwoTower(tiny_bert, num_clients=4, rounds=1, local_steps=1, lr=1e-9)
    model = FedAvgTwoTower(tiny_bert, num_clients=4, rounds=15, local_steps=5, proj_dim=16)
    auc = topic_auc(before.fit(train), 80), topic_auc(model.fit(train), 80)
    assert auc[1] >= auc[0] + 0.05 and auc[1] > 0.95, auc
    table = lrc.evaluate(model, lrc.data.leave_last_out(noisy_planted(num_users=80)), "test")
    assert 0 <= float(table["ndcg@10"].iloc[0]) <= 1
    with pytest.raises(ValueError, match="client_fraction"):
        FedAvgTwoTower(tiny_bert, client_fraction=0.0)
    with pytest.raises(ValueError, match="num_clients"):
        FedAvgTwoTower(tiny_bert, num_clients=500).fit(train)
