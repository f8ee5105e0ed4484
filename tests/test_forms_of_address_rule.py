"""The forms-of-address rule itself (tests/forms_of_address.py): what it lets through, what not."""

from __future__ import annotations

import pytest
from forms_of_address import forbidden_forms


@pytest.mark.parametrize(
    "text",
    [
        "Đập tay với bạn bè làm em vui.",
        "Hai bạn nhỏ đập tay vui vẻ",
        "Khi một bạn bị bắt nạt, những người đứng xem có sức mạnh rất lớn.",
        "Mai tin Quỳnh và rủ bạn ấy đi tìm người lớn giúp.",
        "Nếu bạn em kể một chuyện làm bạn ấy sợ, em hãy lắng nghe.",
        "Tình huống: bạn Quỳnh",
        "Bạn lớp 6 đã an toàn nhưng còn run.",
        "Cấm Ánh nói chuyện với một số bạn.",
        "Vài bạn đứng xem, có bạn giơ điện thoại lên quay.",
        "Không kết bạn riêng với người lạ trên mạng.",
        "Bạn trai của Quỳnh nhiều lần xô đẩy Quỳnh.",
        "Người lạ nhắn: “Tặng bạn 1000 kim cương nếu bạn gửi ảnh.”",
        "Em có quyền nói “Không!” với bất kỳ ai.",
    ],
)
def test_the_noun_friend_and_a_characters_own_words_pass(text):
    assert forbidden_forms(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Bạn đã hoàn thành khóa học này.",
        "Chưa có khóa học nào dành cho bạn.",
        "Chỉ mình bạn xem được những gì bạn viết ở đây.",
        "Giấy chứng nhận của tôi",
        "Khóa học của tôi",
        "Tôi biết tự bảo vệ mình.",
        "Tin bạn và rủ bạn đi tìm người lớn giúp.",
        "Em chỉ cần ở bên bạn.",
        "Nếu bạn bị bắt nạt, hãy kể với người lớn.",
        "Ảnh của bạn là của bạn; cần bạn đồng ý.",
        "Người lạ nói: “Tôi là bạn của bố cháu.”",  # "tôi" is never written for a child
    ],
)
def test_speaking_to_the_child_as_bạn_or_tôi_is_caught(text):
    assert forbidden_forms(text), text


def test_each_forbidden_use_is_reported_with_its_context():
    found = forbidden_forms("Em làm tốt lắm. Bạn đã hoàn thành bài này và nhận được quà.")
    assert len(found) == 1
    assert "Bạn đã hoàn thành" in found[0]
