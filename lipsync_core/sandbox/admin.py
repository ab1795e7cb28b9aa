"""``/_sandbox/``: reset, faults, the request log and the clock, over HTTP (no key needed).

For a sandbox started as a separate process (``python -m lipsync_core.sandbox``), where the
Python methods of ``SandboxServer`` are out of reach.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from lipsync_core.sandbox.faults import Fault, FaultKind
from lipsync_core.sandbox.state import SandboxState


class FaultSpec(BaseModel):
    provider: str | None = None
    method: str = "*"
    path_regex: str = ""
    kind: FaultKind
    count: int = Field(1, ge=1)
    latency: float = Field(0.0, ge=0)
    retry_after: float | None = Field(None, ge=0)


class ClockAdvance(BaseModel):
    seconds: float = Field(ge=0)


def state_of(request: Request) -> SandboxState:
    return request.app.state.sandbox


State = Annotated[SandboxState, Depends(state_of)]
router = APIRouter(prefix="/_sandbox")


@router.get("/health")
def health(state: State) -> dict[str, Any]:
    """Who this sandbox is: a process looking for its data directory's sandbox checks the file."""
    state_file = state.config.state_file
    return {"ok": True, "state_file": str(state_file.resolve()) if state_file else None}


@router.post("/reset")
def reset(state: State) -> dict[str, Any]:
    state.reset()
    return {"ok": True}


@router.post("/faults", status_code=201)
def add_fault(spec: FaultSpec, state: State) -> dict[str, Any]:
    try:
        fault = Fault(**spec.model_dump())
    except re.error as exc:
        raise HTTPException(422, f"path_regex is not a regular expression: {exc}") from None
    return state.faults.add(fault).to_dict()


@router.get("/faults")
def list_faults(state: State) -> list[dict[str, Any]]:
    return [fault.to_dict() for fault in state.faults.pending()]


@router.delete("/faults")
def clear_faults(state: State) -> dict[str, Any]:
    state.faults.clear()
    return {"ok": True}


@router.get("/requests")
def list_requests(state: State, provider: str | None = None) -> list[dict[str, Any]]:
    with state.lock:
        records = list(state.request_log)
    return [r.to_dict() for r in records if provider is None or r.provider == provider]


@router.get("/callbacks")
def list_callbacks(state: State) -> list[dict[str, Any]]:
    with state.lock:
        sent = list(state.callbacks_sent)
    return [{"url": url, "payload": payload, "ok": ok} for url, payload, ok in sent]


@router.post("/clock/advance")
def advance_clock(body: ClockAdvance, state: State) -> dict[str, Any]:
    return {"now": state.clock.advance(body.seconds)}
