"""The state machine once: every action the service offers is a transition, and the bulk path reaches each one."""

from __future__ import annotations

from datetime import timedelta

from cchc.dossiers import files
from cchc.dossiers import service as svc
from cchc.dossiers import transitions as tr
from cchc.dossiers.backfill import Backfill
from cchc.signatures.verification import Verified

from .factories import APPLICANT, MONDAY, make_procedure

H = timedelta(hours=1)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"

# Every action of a dossier, in the order of its life. A new action is added here on purpose.
ACTIONS = [
    "receive", "submit_online", "accept", "reject_submission", "forward", "send_back", "assign", "request_supplement",
    "supplement", "apologize", "refuse", "withdraw", "stop", "request_financial", "record_payment", "finish",
    "sign_result", "return_result", "mark_digitized", "attach_file",
]


def test_every_action_the_service_offers_is_a_transition():
    assert list(svc.ACTION_LABELS) == ACTIONS
    # what the service offers: the two ways a dossier is made, then every action allowed_actions checks
    offered = ["receive", "submit_online", *svc._CHECKS]
    assert offered == ACTIONS
    for action in ACTIONS:
        assert callable(getattr(svc, action, None) or getattr(files, action)), action
    assert list(tr.APPLY) == ACTIONS
    assert all(tr.APPLY[a] is getattr(tr, f"apply_{a}") for a in ACTIONS)
    # the state rules: every action on an existing dossier has its states in the one table
    assert list(tr.REQUIRES) == ACTIONS[2:]
    assert list(Backfill.ACTIONS) == ACTIONS
    assert all(callable(getattr(Backfill, a)) for a in ACTIONS)


def test_the_bulk_path_reaches_every_transition(db, world, files_dir, monkeypatch):
    """Stories played through the bulk path call every apply_<action> and log every action."""
    w = world
    called: list[str] = []
    for action in ACTIONS:
        def spy(*args, _apply=tr.APPLY[action], _name=action, **kwargs):
            called.append(_name)
            return _apply(*args, **kwargs)

        monkeypatch.setattr(tr, f"apply_{action}", spy)
    fee = make_procedure(db, "1.000010", fee=50000)
    bulk = Backfill(db)
    common = dict(unit=w.commune, applicant=APPLICANT)
    t = MONDAY

    def at():
        nonlocal t
        t += H
        return t

    d = bulk.receive(w.receiver, procedure=fee, channel=1, owner=w.citizen, at=t, **common)
    bulk.assign(w.leader, d, w.specialist2, at=at())
    bulk.request_supplement(w.specialist2, d, "Thiếu giấy chứng sinh", ["Giấy chứng sinh"], at=at())
    bulk.supplement(w.receiver, d, "Đã bổ sung", at=at())
    bulk.request_financial(w.specialist2, d, 50000, at=at())
    bulk.record_payment(w.receiver, d, 50000, at=at())
    bulk.apologize(w.leader, d, "Cần xác minh thêm", (MONDAY + 10 * 24 * H).date(), at=at())
    bulk.forward(w.specialist2, d, "Trình lãnh đạo", at=at())
    bulk.send_back(w.leader, d, "Bổ sung ý kiến", at=at())
    bulk.forward(w.specialist2, d, "Trình lại", at=at())
    bulk.finish(w.leader, d, result_number="15/GKS", result_summary="Giấy khai sinh", at=at())
    bulk.mark_digitized(w.leader, d, result=True, at=at())
    bulk.attach_file(w.leader, d, "ket_qua", "ket-qua.pdf", PDF, "application/pdf", at=at())
    signed = Verified(signer="Phạm Văn Lãnh", organisation="UBND xã Mỹ An Hưng", identifier="", signed_at=t,
                      issuer="CA kiểm thử", serial="1A2B")  # a result signed and verified elsewhere (an import)
    bulk.sign_result(w.leader, d, "ket-qua-da-ky-so.pdf", PDF + b"%signed", signed, at=at())
    assert d.row["result_esigned"] is True and d.files[-1]["signer"] == "Phạm Văn Lãnh"
    bulk.return_result(w.receiver, d, at=at())
    online = bulk.submit_online(w.citizen, procedure=w.procedure, at=at(), **common)
    bulk.accept(w.receiver, online, at=at())
    bulk.refuse(w.leader, online, "Không đủ điều kiện", at=at())
    bulk.reject_submission(w.receiver, bulk.submit_online(w.citizen, procedure=w.procedure, at=at(), **common), "Sai thủ tục", at=at())
    bulk.withdraw(w.citizen, bulk.receive(w.receiver, procedure=w.procedure, channel=1, at=at(), **common), "Không cần nữa", at=at())
    bulk.stop(w.leader, bulk.receive(w.receiver, procedure=w.procedure, channel=3, at=at(), **common), "Hồ sơ giả mạo", at=at())

    assert sorted(set(called)) == sorted(ACTIONS)
    logged = {e["action"] for draft in bulk.pending for e in draft.events}
    assert sorted(logged) == sorted(ACTIONS)
    assert [x.state for x in bulk.pending] == ["da_tra_ket_qua", "tu_choi", "khong_tiep_nhan", "rut_ho_so", "dung_xu_ly"]
