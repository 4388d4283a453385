"""Public errors live in ``lergan.errors``; module names do not clash with function names."""

from __future__ import annotations

import importlib

import pytest

import lergan.mapping
import lergan.zerofree
from lergan.errors import InternalError, LerganError, ZeroFreeArgumentError


def test_zero_free_argument_error_is_public_and_one_class():
    from lergan.zerofree import ops, planning

    assert issubclass(ZeroFreeArgumentError, LerganError)
    assert lergan.zerofree.ZeroFreeArgumentError is ZeroFreeArgumentError
    assert planning.ZeroFreeArgumentError is ZeroFreeArgumentError
    assert ops.ZeroFreeArgumentError is ZeroFreeArgumentError
    with pytest.raises(ZeroFreeArgumentError, match="stride"):
        lergan.zerofree.plan("conv_transpose", input_size=4, kernel_size=3, stride=0)


def test_functions_do_not_shadow_their_modules():
    # the functions keep their names; their modules have others
    assert callable(lergan.zerofree.plan)
    assert callable(lergan.mapping.cost)
    assert importlib.import_module("lergan.zerofree.planning").plan is lergan.zerofree.plan
    assert importlib.import_module("lergan.mapping.costing").cost is lergan.mapping.cost


def test_internal_error_is_a_bug_report_not_a_user_error():
    err = InternalError("schedule: task ids are not unique")
    assert not isinstance(err, LerganError)
    assert "schedule: task ids are not unique" in str(err)
    assert "bug" in str(err) and "report" in str(err)


def test_cli_keeps_the_traceback_of_an_internal_error():
    from lergan.cli.app import user_errors

    @user_errors
    def broken() -> None:
        raise InternalError("a cycle")

    @user_errors
    def mistaken() -> None:
        raise LerganError("batch 0: must be positive")

    with pytest.raises(InternalError):  # propagates: Python prints its traceback
        broken()
    with pytest.raises(SystemExit) as exc:
        mistaken()
    assert exc.value.code == 2
