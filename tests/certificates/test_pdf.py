"""The certificate PDF: Vietnamese text intact, fixed bytes, QR payload, layout elements."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import unicodedata

import pytest
from pypdf import PdfReader

from certificates.labels import holder_label
from certificates.pdf import DEFAULT_LABELS, CertificateContent, render_certificate

VOWELS = "aăâeêioôơuưy"
TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # ngang huyền sắc hỏi ngã nặng


def sample(**changes) -> CertificateContent:
    fields = dict(
        parent_body="Sở GD-ĐT Lai Châu",
        issuing_body="Trường Tiểu học Tân Phong",
        serial="00012/2026/CN-THTP",
        place="Lai Châu",
        issued_on=dt.date(2026, 11, 23),
        expires_on=dt.date(2027, 11, 23),
        holder_label="ông/bà",
        holder_name="Đặng Thị Ưng Ỹ",
        holder_unit="Trường Tiểu học Tân Phong",
        course_title="Phòng, chống bạo lực học đường và xâm hại trẻ em",
        credit_periods=10,
        signer_title="Hiệu trưởng",
        signer_name="Lò Văn Phương",
        verification_code="7KQ2-M9XD-4HPT-B8WZ-D",
        verification_url="https://hoc.example.edu.vn/verify/7KQ2M9XD4HPTB8WZD",
        labels={},
    )
    fields.update(changes)
    return CertificateContent(**fields)


def extracted_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def test_vietnamese_names_and_record_fields_read_back_from_the_pdf():
    text = extracted_text(render_certificate(sample()))
    for expected in [
        "Đặng Thị Ưng Ỹ",
        "00012/2026/CN-THTP",
        "7KQ2-M9XD-4HPT-B8WZ-D",
        "GIẤY CHỨNG NHẬN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Lai Châu, ngày 23 tháng 11 năm 2026",
        "Số tiết bồi dưỡng: 10 tiết",
        "Có giá trị đến ngày 23/11/2027",
        "TRƯỜNG TIỂU HỌC TÂN PHONG",
    ]:
        assert expected in text, expected


def test_decomposed_input_is_drawn_precomposed():
    decomposed = "Nguye\u0302\u0303n Thi\u0323 Hoa"  # "Nguyễn Thị Hoa" typed with combining marks
    text = extracted_text(render_certificate(sample(holder_name=decomposed)))
    assert "Nguyễn Thị Hoa" in text


def test_the_same_record_gives_the_same_bytes():
    assert render_certificate(sample()) == render_certificate(sample())
    assert render_certificate(sample()) != render_certificate(sample(serial="00013/2026/CN-THTP"))


def test_student_certificates_show_no_credit_periods():
    text = extracted_text(render_certificate(sample(credit_periods=0, holder_label="em")))
    assert "tiết" not in text
    assert "Chứng nhận em:" in text


def test_the_font_is_embedded_as_a_subset():
    pdf = render_certificate(sample())
    reader = PdfReader(io.BytesIO(pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = [key for key in fonts if "BeVietnamPro" in str(fonts[key].get_object()["/BaseFont"])]
    others = {str(fonts[key].get_object()["/BaseFont"]) for key in fonts} - {
        str(fonts[key].get_object()["/BaseFont"]) for key in embedded
    }
    assert not others  # the QR code is a path: no font of reportlab's graphics renderer
    # Regular and bold; the italic lines are the regular font slanted (one subset fewer).
    assert len(embedded) == 2
    for key in embedded:
        assert "+" in str(fonts[key].get_object()["/BaseFont"])  # a subset tag like AAAAAA+
        descriptor = fonts[key].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor  # the TrueType subset is inside the PDF


def test_labels_can_be_translated():
    english = {**DEFAULT_LABELS, "title": "CERTIFICATE", "certifies": "This certifies"}
    text = extracted_text(render_certificate(sample(labels=english)))
    assert "CERTIFICATE" in text
    assert "This certifies ông/bà:" in text


def test_the_holder_is_named_in_lower_case_after_chứng_nhận():
    student = extracted_text(
        render_certificate(sample(credit_periods=0, holder_label=holder_label("vi", student=True)))
    )
    adult = extracted_text(
        render_certificate(sample(holder_label=holder_label("vi", student=False)))
    )
    assert "Chứng nhận em:" in student and "Em:" not in student
    # An adult's gender is not recorded: "ông/bà" names either, as official documents do.
    assert "Chứng nhận ông/bà:" in adult and "Ông/Bà" not in adult


def test_the_qr_code_decodes_to_the_verification_url_at_100_dpi(tmp_path):
    if shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None:
        pytest.fail("zbarimg or pdftoppm not found: install the Debian packages `zbar-tools` "
                    "and `poppler-utils`", pytrace=False)
    urls = ["https://hoc.example.edu.vn/verify/7KQ2M9XD4HPTB8WZD",
            "https://so-gddt.laichau.gov.vn/hoc-an-toan/verify/A7VBPQ957DSM2VZ2D"]
    for index, url in enumerate(urls):
        pdf = tmp_path / f"{index}.pdf"
        pdf.write_bytes(render_certificate(sample(verification_url=url)))
        subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf),
                        str(tmp_path / str(index))], check=True)
        decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / f"{index}.png")],
                                 check=True, capture_output=True, text=True).stdout.split()
        assert decoded == [url]


def test_every_vietnamese_tone_reads_back_in_each_embedded_font():
    letters = " ".join(unicodedata.normalize("NFC", vowel + tone) for vowel in VOWELS
                       for tone in TONES)
    letters = f"{letters} đ {letters.upper()} Đ"
    text = " ".join(extracted_text(render_certificate(sample(
        holder_name=letters,  # bold
        holder_unit=letters,  # regular
        place=letters,  # italic, in the date line
    ))).split())
    assert text.count(letters) == 3


def test_a_certificate_weighs_at_most_30_kb():
    assert len(render_certificate(sample())) <= 30_000
