"""Runners, sessions, per-session metric summaries and findings.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _fk(table: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{table}.id", ondelete="CASCADE")


def upgrade() -> None:
    """Create the four tables."""
    op.create_table(
        "runners",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(200), nullable=False, unique=True),
        sa.Column("height_cm", sa.Double, nullable=True),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("created_utc", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("runner_id", sa.Integer, _fk("runners"), nullable=False),
        sa.Column("recorded_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clip_path", sa.Text, nullable=False),
        sa.Column("clip_sha256", sa.String(64), nullable=False),
        sa.Column("view", sa.String(20), nullable=False),
        sa.Column("settings", sa.JSON, nullable=False),
        sa.Column("gaitlab_version", sa.String(40), nullable=False),
        sa.Column("result_dir", sa.Text, nullable=False, unique=True),
        sa.Column("result_sha256", sa.String(64), nullable=False),
        sa.Column("pose_series_path", sa.Text, nullable=True),
        sa.Column("pose_series_sha256", sa.String(64), nullable=True),
        sa.Column("files", sa.JSON, nullable=False),
        sa.Column("physio_notes", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_sessions_runner_id", "sessions", ["runner_id"])
    op.create_table(
        "metric_summaries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.Integer, _fk("sessions"), nullable=False),
        sa.Column("metric", sa.String(80), nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("median", sa.Double, nullable=True),
        sa.Column("spread_iqr", sa.Double, nullable=True),
        sa.Column("n_strides", sa.Integer, nullable=False),
        sa.Column("confidence", sa.String(20), nullable=False),
        sa.UniqueConstraint("session_id", "metric", name="uq_metric_per_session"),
    )
    op.create_index("ix_metric_summaries_session_id", "metric_summaries", ["session_id"])
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.Integer, _fk("sessions"), nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("finding_id", sa.String(80), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("metric", sa.String(80), nullable=True),
        sa.Column("value", sa.Double, nullable=True),
        sa.Column("unit", sa.String(20), nullable=True),
        sa.Column("side", sa.String(10), nullable=True),
        sa.Column("confidence", sa.String(20), nullable=True),
    )
    op.create_index("ix_findings_session_id", "findings", ["session_id"])


def downgrade() -> None:
    """Drop the four tables (children first)."""
    op.drop_index("ix_findings_session_id", table_name="findings")
    op.drop_table("findings")
    op.drop_index("ix_metric_summaries_session_id", table_name="metric_summaries")
    op.drop_table("metric_summaries")
    op.drop_index("ix_sessions_runner_id", table_name="sessions")
    op.drop_table("sessions")
    op.drop_table("runners")
