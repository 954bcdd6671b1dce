"""Sessions of several clips: one row per clip of a session (a side and a rear view).

A session recorded from one clip (every session of a 0001 store) has no rows here: its clip
is the session's own ``clip_path``. A session recorded from ``gaitlab analyze a b --runner``
has one row per clip, in the order given, with the clip's own result folder and files.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the session_clips table."""
    op.create_table(
        "session_clips",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "session_id",
            sa.Integer,
            sa.ForeignKey("sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("clip_path", sa.Text, nullable=False),
        sa.Column("clip_sha256", sa.String(64), nullable=False),
        sa.Column("view", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("result_dir", sa.Text, nullable=True),
        sa.Column("files", sa.JSON, nullable=False),
        sa.UniqueConstraint("session_id", "position", name="uq_clip_position"),
    )
    op.create_index("ix_session_clips_session_id", "session_clips", ["session_id"])


def downgrade() -> None:
    """Drop the session_clips table (sessions of several clips keep their merged numbers)."""
    op.drop_index("ix_session_clips_session_id", "session_clips")
    op.drop_table("session_clips")
