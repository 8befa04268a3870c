from cchc.privacy import mask_digits, mask_email, mask_name


def test_masks_keep_only_what_identifies_the_record_to_its_owner():
    assert mask_digits("079123456789") == "079*******89"
    assert mask_digits("0912345678") == "091*****78"
    assert mask_digits("123") == "***"
    assert mask_digits("") == ""
    assert mask_name("Nguyễn Văn An") == "Nguyễn V. A."
    assert mask_name("Hùng") == "H."
    assert mask_email("an.nguyen@example.vn") == "a***@example.vn"
