"""Who holds on to a procedure's components: received dossiers point at the components they were given for, so
the catalogue may not drop one they use. The domains whose rows point at components sit above the catalogue and
register a counter here when they are imported (cchc.dossiers.component_use); the catalogue imports none of them.
As cchc.db refuses a session before the audit log listens, the catalogue refuses to drop a component before any
counter is registered, rather than drop one a dossier still uses."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

# counter(session, component ids) → {component id: rows pointing at it}
ComponentCounter = Callable[[Session, Sequence[int]], dict[int, int]]
_counters: dict[str, ComponentCounter] = {}


def add_component_counter(name: str, counter: ComponentCounter) -> None:
    """Called on import by a domain whose rows point at procedure components (cchc.dossiers)."""
    _counters[name] = counter


def component_counters() -> list[str]:
    """The names of the registered counters."""
    return sorted(_counters)


def components_in_use(session: Session, component_ids: Sequence[int]) -> dict[int, int]:
    """component id → number of rows pointing at it, over every registered counter."""
    if not _counters:
        raise RuntimeError("Chưa nạp miền hồ sơ (cchc.dossiers): không biết thành phần hồ sơ nào đang được hồ sơ dùng, "
                           "nên không bỏ thành phần nào của thủ tục.")
    used: dict[int, int] = {}
    for counter in _counters.values():
        for component_id, count in counter(session, component_ids).items():
            used[component_id] = used.get(component_id, 0) + count
    return used
