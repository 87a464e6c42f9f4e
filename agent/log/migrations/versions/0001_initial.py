"""Initial turn log: sessions, turns, device_states.

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

LATENCY_COLUMNS = ("wake_ms", "asr_ms", "rewrite_ms", "nlu_ms", "resolve_ms", "result_ms", "tts_ms")


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("user", sa.String, nullable=False),
        sa.Column("device", sa.String, nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float, nullable=True),
    )
    op.create_table(
        "turns",
        sa.Column("turn_id", sa.String, primary_key=True),
        sa.Column("session_id", sa.String, sa.ForeignKey("sessions.id"), nullable=True),
        sa.Column("user", sa.String, nullable=False),
        sa.Column("device", sa.String, nullable=False),
        sa.Column("area", sa.String, nullable=True),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float, nullable=True),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("transcript", sa.Text, nullable=True),
        sa.Column("rewritten_text", sa.Text, nullable=True),
        sa.Column("rewrite_rule", sa.String, nullable=True),
        sa.Column("intent", sa.String, nullable=True),
        sa.Column("slots", sa.JSON, nullable=False),
        sa.Column("intent_confidence", sa.Float, nullable=True),
        sa.Column("asr_confidence", sa.Float, nullable=True),
        sa.Column("devices", sa.JSON, nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("outcome", sa.String, nullable=False),
        sa.Column("barged_in", sa.Boolean, nullable=False),
        sa.Column("rephrase_of", sa.String, nullable=True),
        *(sa.Column(name, sa.Float, nullable=True) for name in LATENCY_COLUMNS),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("trace", sa.JSON, nullable=False),
    )
    op.create_index("ix_turns_user_started_at", "turns", ["user", "started_at"])
    op.create_index("ix_turns_started_at", "turns", ["started_at"])
    op.create_table(
        "device_states",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String, nullable=False),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("available", sa.Boolean, nullable=True),
    )
    op.create_index("ix_device_states_device_id_ts", "device_states", ["device_id", "ts"])


def downgrade() -> None:
    op.drop_table("device_states")
    op.drop_index("ix_turns_started_at", table_name="turns")
    op.drop_index("ix_turns_user_started_at", table_name="turns")
    op.drop_table("turns")
    op.drop_table("sessions")
