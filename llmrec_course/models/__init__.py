"""Recommenders behind one interface (`Recommender`): fit, score, recommend, save, load.

Baselines (notebook 03): `Popularity`, `ItemKNN`, `MatrixFactorization`, `TfidfContent`.
LLM models: `ZeroShotContent` (frozen encoder, notebook 04), `TwoTower` (fine-tuned towers,
notebook 05), `CrossEncoderRanker` (re-ranking, notebook 06).
"""

from __future__ import annotations

from .base import Recommender, check_same_data, data_fingerprint
from .baselines import ItemKNN, MatrixFactorization, Popularity, TfidfContent
from .content import ZeroShotContent
from .cross_encoder import CrossEncoderRanker
from .oracle import Oracle
from .two_tower import TwoTower

__all__ = [
    "CrossEncoderRanker",
    "ItemKNN",
    "MatrixFactorization",
    "Oracle",
    "Popularity",
    "Recommender",
    "TfidfContent",
    "TwoTower",
    "ZeroShotContent",
    "check_same_data",
    "data_fingerprint",
]
