"""Recommenders behind one interface (`Recommender`): fit, score, recommend, save, load.

Baselines: `Popularity`, `ItemKNN` (notebook 02), `MatrixFactorization`, `TfidfContent` (the
comparisons of notebook 04 and the case studies), `EASE` (closed form, the case studies);
`select_on_validation` chooses any model's configuration on validation; `fusion` blends a
re-ranker's scores with its base's (notebook 04) and `Blend` any two models' (notebook 06);
`Freshness`, news's recency baseline (notebook 06); the ceilings on simulated data: `Oracle`
(notebook 02) and `AttributeCeiling` (the hidden attributes, the case studies). LLM models:
`ZeroShotContent` (frozen encoder, notebook 02), `TwoTower` (fine-tuned towers, and the
hybrid with item IDs) and `CrossEncoderRanker` (re-ranking), both in notebook 04; `HistoryAttention`
(candidate-aware attention over a clicked history, notebook 06). `SocialGraph`: what the people
a user follows wrote and liked (the social feed, notebook 08).
"""

from __future__ import annotations

from . import fusion
from .attention import HistoryAttention
from .base import Recommender, check_same_data, data_fingerprint
from .baselines import Freshness, ItemKNN, MatrixFactorization, Popularity, TfidfContent
from .blend import Blend
from .content import ZeroShotContent
from .cross_encoder import CrossEncoderRanker
from .ease import EASE, select_on_validation
from .oracle import AttributeCeiling, Oracle
from .social import SocialGraph
from .two_tower import TwoTower

__all__ = [
    "AttributeCeiling",
    "Blend",
    "CrossEncoderRanker",
    "EASE",
    "Freshness",
    "HistoryAttention",
    "ItemKNN",
    "MatrixFactorization",
    "Oracle",
    "Popularity",
    "Recommender",
    "SocialGraph",
    "TfidfContent",
    "TwoTower",
    "ZeroShotContent",
    "check_same_data",
    "data_fingerprint",
    "fusion",
    "select_on_validation",
]
