"""The register of directive documents: validation, counts per window by kind and area, the seeds' line."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cchc import clock
from cchc.errors import ValidationError
from cchc.reform import directives
from cchc.reform.models import DirectiveDocument

from .conftest import H1_2023


def test_documents_are_counted_in_the_window(db, units):
    add = lambda **kw: directives.create_document(db, None, units.district, **kw)  # noqa: E731
    add(number="01/KH-UBND", kind="ke_hoach", issued_on="06/01/2023", subject="về cải cách hành chính huyện năm 2023")
    add(number="10/KH-UBND", kind="Kế hoạch", issued_on="2023-02-10", subject="kiểm tra công vụ năm 2023", area="cong_vu")
    add(number="125/UBND-NC", kind="cong van", issued_on="20230301", subject="triển khai chuyển đổi số", area="chinh_quyen_so")
    add(number="118/KH-UBND", kind="ke_hoach", issued_on="30/11/2022", subject="truyền thông chuyển đổi số")  # before the window
    add(number="12/QĐ-UBND", kind="quyet_dinh", issued_on="01/03/2023", subject="khen thưởng", is_cchc="Không")  # not CCHC
    f = directives.directive_figures(db, units.district, *H1_2023)
    assert f["count"] == 3
    assert f["by_kind"]["ke_hoach"] == 2 and f["by_kind"]["cong_van"] == 1 and f["by_kind"]["quyet_dinh"] == 0
    assert f["by_area"]["chung"] == 1 and f["by_area"]["cong_vu"] == 1 and f["by_area"]["chinh_quyen_so"] == 1
    assert directives.document_line(f["items"][0]) == "Kế hoạch số 01/KH-UBND ngày 6/1/2023 về cải cách hành chính huyện năm 2023."
    assert directives.document_line(f["items"][2]) == "Công văn số 125/UBND-NC ngày 1/3/2023 về triển khai chuyển đổi số."
    assert len(directives.list_documents(db, units.district.id, *H1_2023)) == 4


def test_refusals(db, units):
    with pytest.raises(ValidationError, match="không đúng dạng số, ký hiệu văn bản") as info:
        directives.create_document(db, None, units.office, number="KH-UBND", kind="ke_hoach", issued_on="01/02/2023", subject="X")
    assert info.value.field == "number"
    with pytest.raises(ValidationError, match="Loại văn bản: giá trị «nghị quyết» không hợp lệ"):
        directives.create_document(db, None, units.office, number="1/NQ-HĐND", kind="nghị quyết", issued_on="01/02/2023", subject="X")
    future = clock.today() + timedelta(days=3)
    with pytest.raises(ValidationError, match="chưa đến"):
        directives.create_document(db, None, units.office, number="1/KH-VP", kind="ke_hoach", issued_on=future, subject="X")
    directives.create_document(db, None, units.office, number="36/KH-VPUBND", kind="ke_hoach", issued_on="29/12/2022", subject="CCHC 2023")
    with pytest.raises(ValidationError, match="Văn bản số 36/KH-VPUBND đã có trong sổ"):
        directives.create_document(db, None, units.office, number="36/KH-VPUBND", kind="ke_hoach", issued_on="29/12/2022", subject="Lại")
    assert db.query(DirectiveDocument).count() == 1
