"""The result store's tables, as SQLAlchemy Core metadata (the migrations create them).

Large artefacts (pose series, videos, reports) are not in the database: a session row holds
their paths and SHA-256 hashes. Column types are the portable SQLAlchemy ones, so the same
tables work on SQLite and PostgreSQL without dialect-specific code.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

runners = sa.Table(
    "runners",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # The identity the user types (`--runner r07`, the manifest's runner column).
    sa.Column("code", sa.String(200), nullable=False, unique=True),
    sa.Column("height_cm", sa.Double, nullable=True),
    sa.Column("notes", sa.Text, nullable=False, server_default=""),
    sa.Column("created_utc", sa.DateTime(timezone=True), nullable=False),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "runner_id",
        sa.Integer,
        sa.ForeignKey("runners.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("recorded_utc", sa.DateTime(timezone=True), nullable=False),
    sa.Column("clip_path", sa.Text, nullable=False),
    sa.Column("clip_sha256", sa.String(64), nullable=False),
    sa.Column("view", sa.String(20), nullable=False),
    sa.Column("settings", sa.JSON, nullable=False),
    sa.Column("gaitlab_version", sa.String(40), nullable=False),
    # One session per result folder: recording the same folder again replaces the session.
    sa.Column("result_dir", sa.Text, nullable=False, unique=True),
    sa.Column("result_sha256", sa.String(64), nullable=False),
    sa.Column("pose_series_path", sa.Text, nullable=True),
    sa.Column("pose_series_sha256", sa.String(64), nullable=True),
    # Every file gaitlab wrote for the session ({name: path}); deleting a runner removes them.
    sa.Column("files", sa.JSON, nullable=False),
    sa.Column("physio_notes", sa.Text, nullable=False, server_default=""),
    # Users know a session by its number: SQLite must not hand a deleted one out again
    # (migration 0003).
    sqlite_autoincrement=True,
)

metric_summaries = sa.Table(
    "metric_summaries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "session_id",
        sa.Integer,
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("metric", sa.String(80), nullable=False),
    sa.Column("unit", sa.String(20), nullable=False),
    sa.Column("median", sa.Double, nullable=True),
    # Interquartile range over strides, in the metric's unit.
    sa.Column("spread_iqr", sa.Double, nullable=True),
    sa.Column("n_strides", sa.Integer, nullable=False),
    sa.Column("confidence", sa.String(20), nullable=False),
    sa.UniqueConstraint("session_id", "metric", name="uq_metric_per_session"),
)

findings = sa.Table(
    "findings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "session_id",
        sa.Integer,
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
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

#: The clips of a session of several clips (migration 0002); none for a one-clip session.
session_clips = sa.Table(
    "session_clips",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "session_id",
        sa.Integer,
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # Order the clips were given in (0 first).
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("clip_path", sa.Text, nullable=False),
    sa.Column("clip_sha256", sa.String(64), nullable=False),
    sa.Column("view", sa.String(20), nullable=False),
    # ``analysed`` or ``failed`` (then ``error`` says why and there is no result folder).
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("error", sa.Text, nullable=False, server_default=""),
    sa.Column("result_dir", sa.Text, nullable=True),
    # The clip folder's files ({name: file name}); deleting the runner removes them.
    sa.Column("files", sa.JSON, nullable=False),
    sa.UniqueConstraint("session_id", "position", name="uq_clip_position"),
)
