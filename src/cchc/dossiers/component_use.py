"""Received dossiers hold on to the procedure components they were received with: this counter is registered with
the catalogue below (cchc.procedures.usage) when the dossiers domain is imported, and the catalogue refuses to drop
a component a dossier uses."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cchc.dossiers.models import DossierComponent
from cchc.procedures.usage import add_component_counter


def dossiers_per_component(session: Session, component_ids: Sequence[int]) -> dict[int, int]:
    """component id → number of dossiers' components pointing at it (one GROUP BY per 500 ids)."""
    used: dict[int, int] = {}
    ids = sorted(set(component_ids))
    for start in range(0, len(ids), 500):
        used.update(
            session.execute(
                select(DossierComponent.component_id, func.count())
                .where(DossierComponent.component_id.in_(ids[start : start + 500]))
                .group_by(DossierComponent.component_id)
            ).all()
        )
    return used


add_component_counter("dossiers", dossiers_per_component)
