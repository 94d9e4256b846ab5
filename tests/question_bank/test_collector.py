"""The garbage collector paused while a score sheet is built is always running again afterwards:
a worker left without it would keep every cycle of garbage it ever made."""

from __future__ import annotations

import gc

import pytest

from question_bank import collector


def test_the_collector_runs_again_after_the_block_and_after_an_error_in_it():
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("the sheet failed")
    assert gc.isenabled()


def test_a_collector_turned_off_before_stays_off():
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
