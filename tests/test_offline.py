"""Nothing reaches the network during an analysis: sockets are blocked and it still works."""

from __future__ import annotations

import socket

import pytest

from gaitlab.pipeline import analyze_clip
from tests.conftest import REPO, shared_clip


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise NetworkUsed(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_the_block_works(no_network):
    with pytest.raises(NetworkUsed):
        socket.create_connection(("127.0.0.1", 9))


@pytest.mark.integration
def test_full_analysis_with_sockets_blocked(no_network, tmp_path):
    samples = sorted((REPO / "sample_videos").glob("*.mp4"))
    clip = samples[0] if samples else shared_clip("zzzhushi_male_side_treadmill.mp4")
    analysis = analyze_clip(clip, cache_dir=tmp_path / "cache")
    assert analysis.series.detection_rate > 0.9
    assert analysis.to_dict()["pose"]["frames_with_pose"] > 0
