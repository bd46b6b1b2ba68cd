"""Walk-forward learners used inside ``signals``: refit every N bars on data strictly before.

:class:`WalkForwardClassifier` is fed one bar at a time (features of every symbol and
the closes) and returns P(close rises over the next ``horizon`` bars) for that bar. At
bars ``first_fit, first_fit + refit_every, ...`` (counted from the first bar it saw) it
refits a scikit-learn logistic regression on the rows ``s`` of the last ``train_bars``
bars whose label ``close[s + horizon] > close[s]`` was known *before* the refit bar
(``s + horizon <= i - 1``), pooled over symbols; rows with a NaN feature or label are
dropped. Between refits the last model predicts. The batch strategies and their live
streams call the same ``step``, so both train on identical rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ntlab._optional import attempt_import
from ntlab.strategies._nb import logistic_proba_nb
from ntlab.strategies.live import Ring

if TYPE_CHECKING:
    from ntlab.strategies.builtin.config import WalkForwardConfig

__all__ = ["WalkForwardClassifier"]


class WalkForwardClassifier:
    """Per-bar walk-forward logistic regression over a panel of symbols.

    Parameters
    ----------
    schedule : WalkForwardConfig
        The strategy's config: ``horizon``, ``refit_every``, ``train_bars``, ``first_fit``
        and the logistic regression's ``C`` (one definition of the schedule).
    n_symbols, n_features : int
    min_rows : int
        Fewer usable (finite) training rows than this skip the refit.
    """

    def __init__(
        self, schedule: WalkForwardConfig, n_symbols: int, n_features: int, *, min_rows: int = 50
    ) -> None:
        self.s = schedule
        self.min_rows = min_rows
        cap = schedule.train_bars + 1
        self._X = Ring(cap, n_symbols, n_features)
        self._close = Ring(cap, n_symbols)
        self.n_seen = 0
        self.coef_: np.ndarray | None = None
        self.intercept_ = 0.0
        self.fitted_at_: int | None = None
        self.n_train_ = 0

    def _due(self, i: int) -> bool:
        s = self.s
        return i >= s.first_fit and (i - s.first_fit) % s.refit_every == 0

    def _fit(self, i: int) -> None:
        s = self.s
        X = self._X.tail()[:-1]  # rows i - train_bars .. i - 1
        c = self._close.tail()[:-1]
        n = X.shape[0]
        usable = n - s.horizon  # rows whose label needs closes up to i - 1
        if usable <= 0:
            return
        with np.errstate(invalid="ignore", divide="ignore"):
            label = c[s.horizon :] / c[:usable] - 1.0
        feats = X[:usable].reshape(-1, X.shape[2])
        y = label.reshape(-1)
        ok = np.isfinite(feats).all(axis=1) & np.isfinite(y)
        if ok.sum() < self.min_rows:
            return
        feats, yb = feats[ok], (y[ok] > 0).astype(int)
        if yb.min() == yb.max():
            return
        mean = feats.mean(axis=0)
        std = feats.std(axis=0)
        std[std == 0] = 1.0
        lm = attempt_import("sklearn.linear_model", purpose="walk-forward models")
        model = lm.LogisticRegression(C=s.C, max_iter=500)
        model.fit((feats - mean) / std, yb)
        coef = model.coef_[0] / std
        self.coef_ = coef
        self.intercept_ = float(model.intercept_[0] - np.dot(coef, mean))
        self.fitted_at_ = i
        self.n_train_ = int(ok.sum())

    def step(self, X: np.ndarray, close: np.ndarray) -> np.ndarray:
        """Feed one bar (X of shape (n_symbols, n_features), close (n_symbols,)); return
        P(up) of shape (n_symbols,), NaN before the first fit or where a feature is NaN."""
        self._X.append(X)
        self._close.append(close)
        i = self.n_seen
        self.n_seen += 1
        if self._due(i):
            self._fit(i)
        if self.coef_ is None:
            return np.full(X.shape[0], np.nan)
        return logistic_proba_nb(np.ascontiguousarray(X), self.coef_, self.intercept_)
