"""Risk: measures, VaR/CVaR and back-tests, limits and the pre-trade gate, sizing, optimisation.

Import stays light: numpy, pandas and numba only; skfolio and hvplot load on first use.
"""

from ntlab.risk._gate_nb import REASONS
from ntlab.risk.gate import CircuitBreaker, GateDecision, RiskGate
from ntlab.risk.limits import PortfolioState, RiskLimits
from ntlab.risk.measures import (
    beta,
    cagr,
    calmar_ratio,
    correlation,
    downside_deviation,
    drawdown,
    drawdown_periods,
    equity_curve,
    max_drawdown,
    max_drawdown_duration,
    omega_ratio,
    periods_per_year,
    sharpe_ratio,
    sortino_ratio,
    to_returns,
    total_return,
    volatility,
)
from ntlab.risk.periods import calendar_of
from ntlab.risk.portfolio import (
    VarEstimate,
    monte_carlo_var,
    portfolio_pnl,
    portfolio_var,
    portfolio_var_table,
    position_values,
    simulate_pnl,
)
from ntlab.risk.rebalance import RebalancePlan, optimise_weights, rebalance_orders
from ntlab.risk.report import RiskMetrics, RiskReport
from ntlab.risk.sizing import (
    atr_size,
    fixed_fractional_size,
    fraction_of_equity_size,
    kelly_fraction,
    round_to_lot,
    stop_levels,
    volatility_target_size,
)
from ntlab.risk.var import (
    cornish_fisher_domain,
    cvar,
    expected_shortfall,
    value_at_risk,
    var_es,
    var_table,
)
from ntlab.risk.var_backtest import LRTest, VarBacktest, christoffersen, kupiec_pof, var_backtest

__all__ = [
    # measures
    "beta",
    "cagr",
    "calmar_ratio",
    "correlation",
    "downside_deviation",
    "drawdown",
    "drawdown_periods",
    "equity_curve",
    "max_drawdown",
    "max_drawdown_duration",
    "omega_ratio",
    "periods_per_year",
    "calendar_of",
    "sharpe_ratio",
    "sortino_ratio",
    "to_returns",
    "total_return",
    "volatility",
    # VaR / ES
    "cornish_fisher_domain",
    "cvar",
    "expected_shortfall",
    "value_at_risk",
    "var_es",
    "var_table",
    "VarEstimate",
    "monte_carlo_var",
    "portfolio_pnl",
    "portfolio_var",
    "portfolio_var_table",
    "position_values",
    "simulate_pnl",
    # back-tests
    "LRTest",
    "VarBacktest",
    "christoffersen",
    "kupiec_pof",
    "var_backtest",
    # report
    "RiskMetrics",
    "RiskReport",
    # limits and gate
    "REASONS",
    "CircuitBreaker",
    "GateDecision",
    "PortfolioState",
    "RiskGate",
    "RiskLimits",
    # sizing and rebalancing
    "atr_size",
    "fixed_fractional_size",
    "fraction_of_equity_size",
    "kelly_fraction",
    "round_to_lot",
    "stop_levels",
    "volatility_target_size",
    "RebalancePlan",
    "optimise_weights",
    "rebalance_orders",
]
