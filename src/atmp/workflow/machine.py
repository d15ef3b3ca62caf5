"""State machines declared once per record type: states, transitions and what each transition needs.

Pure declarations (no database): a record type's model names its machine in `workflow = Workflow(...)`;
atmp.workflow.engine applies it. docs/workflow.md describes the API, docs/adr/0011 how a signed
transition binds its signature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# A precondition returns the rule the record breaks, in words a user reads, or None when it holds.
Precondition = Callable[[Any], str | None]
# A rule about who takes the transition (beyond the permission and segregation of duties): it takes
# the record and the actor and returns the rule the actor breaks, or None. Checked with the
# preconditions, so the record page and `available` say who may not, before anyone tries.
ActorRule = Callable[[Any, Any], str | None]
# An effect runs inside the transition's change, after the status is saved (e.g. supersede the
# previous version of a document); it takes the change, the record and the actor.
Effect = Callable[[Any, Any, Any], None]
# A computation sets the record's system fields (WorkflowRecord.system_fields) before the
# transition's version is saved, so the version (and a signature on it) holds them; it takes the
# record and the actor.
Computation = Callable[[Any, Any], None]


class DeclarationError(ValueError):
    """A machine declares a transition between states it does not declare (a programming error)."""


@dataclass(frozen=True)
class State:
    """A state a record can be in; a final state has no way out and is never overdue."""

    name: str
    label: str
    final: bool = False


@dataclass(frozen=True)
class Transition:
    """A move from one of `sources` to `target`, with everything it needs to be allowed.

    permission: the atmp.accounts.roles permission the actor needs.
    required: fields that must be filled (not empty) for the record to enter the target state.
    preconditions: rules checked on the record; each returns the broken rule, or None.
    actor_rules: rules checked on the record and the actor (e.g. "a QA Approver approves");
        each returns the broken rule, or None.
    meaning: the signature meaning (atmp.ledger.signatures.MEANINGS) the transition needs; the
        actor re-authenticates and signs the version the transition writes (docs/adr/0011).
    """

    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    permission: str = "records.write"
    required: tuple[str, ...] = ()
    preconditions: tuple[Precondition, ...] = ()
    actor_rules: tuple[ActorRule, ...] = ()
    meaning: str | None = None
    computes: tuple[Computation, ...] = ()
    effects: tuple[Effect, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class Workflow:
    """A record type's states, its initial state and its transitions."""

    states: tuple[State, ...]
    initial: str
    transitions: tuple[Transition, ...]
    _by_state: dict[str, State] = field(init=False, repr=False, compare=False)
    _by_name: dict[str, Transition] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_state = {s.name: s for s in self.states}
        by_name = {t.name: t for t in self.transitions}
        if len(by_state) != len(self.states) or len(by_name) != len(self.transitions):
            raise DeclarationError("state and transition names must be unique")
        if self.initial not in by_state:
            raise DeclarationError(f"initial state {self.initial!r} is not declared")
        for t in self.transitions:
            unknown = [s for s in (*t.sources, t.target) if s not in by_state]
            if unknown:
                raise DeclarationError(f"transition {t.name!r} names undeclared states {unknown}")
            if any(by_state[s].final for s in t.sources):
                raise DeclarationError(f"transition {t.name!r} leaves a final state")
        object.__setattr__(self, "_by_state", by_state)
        object.__setattr__(self, "_by_name", by_name)

    def state(self, name: str) -> State | None:
        """Return the declared state of that name, or None."""
        return self._by_state.get(name)

    def transition(self, name: str) -> Transition | None:
        """Return the declared transition of that name, or None."""
        return self._by_name.get(name)

    def from_state(self, name: str) -> list[Transition]:
        """Return the transitions that leave the state, in declaration order."""
        return [t for t in self.transitions if name in t.sources]

    def label(self, state: str) -> str:
        """Return a state's label (the stored name when it is not declared)."""
        declared = self._by_state.get(state)
        return declared.label if declared is not None else state

    def is_final(self, state: str) -> bool:
        """Return True when the state is declared final."""
        declared = self._by_state.get(state)
        return bool(declared and declared.final)
