"""Per-model token calibration rows: how many characters a model's tokenizer packs per token.

The context planner (core/context/estimator.py) starts every model from a prior and
learns from the prompt token counts servers report; this table keeps what it learned so a
new session starts calibrated. The rows are plain data: the learning rule lives in core.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ingle.memory.store import Store, now

TABLE = "token_calibration"


class TokenCalibration(BaseModel):
    """One model's learned estimate: characters per token and how wrong it has been."""

    model_config = ConfigDict(frozen=True)

    model: str
    chars_per_token: float = Field(gt=0)
    # Exponentially weighted mean of |reported - estimated| / reported, before each update.
    error: float = Field(ge=0)
    samples: int = Field(0, ge=0)
    updated_at: float = 0.0


def load_calibration(store: Store, model: str) -> TokenCalibration | None:
    row = store.db.execute(
        f"SELECT model, chars_per_token, error, samples, updated_at FROM {TABLE} WHERE model = ?",
        [model],
    ).fetchone()
    if row is None:
        return None
    model_name, chars_per_token, error, samples, updated_at = row
    return TokenCalibration(
        model=model_name,
        chars_per_token=chars_per_token,
        error=error,
        samples=samples,
        updated_at=updated_at,
    )


def save_calibration(store: Store, calibration: TokenCalibration) -> None:
    with store.db.conn:
        store.db.conn.execute(
            f"INSERT OR REPLACE INTO {TABLE} (model, chars_per_token, error, samples, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                calibration.model,
                calibration.chars_per_token,
                calibration.error,
                calibration.samples,
                calibration.updated_at or now(),
            ],
        )


def all_calibrations(store: Store) -> list[TokenCalibration]:
    """Every calibrated model (for `/tokens` and diagnostics), most samples first."""
    cursor = store.db.execute(
        f"SELECT model, chars_per_token, error, samples, updated_at FROM {TABLE} "
        "ORDER BY samples DESC, model"
    )
    return [
        TokenCalibration(model=m, chars_per_token=c, error=e, samples=s, updated_at=u)
        for m, c, e, s, u in cursor.fetchall()
    ]
