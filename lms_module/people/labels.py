"""Human labels (Vietnamese source, translated by Babel) for roles, unit kinds and levels."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from lms_module.orgs.models import OrgKind, SchoolLevel
from lms_module.people.models import ClassDuty, Role

ROLE_LABELS: dict[Role, LazyString] = {
    Role.STUDENT: _l("Học sinh"),
    Role.TEACHER: _l("Giáo viên"),
    Role.STAFF: _l("Nhân viên"),
    Role.SCHOOL_MANAGER: _l("Cán bộ quản lý"),
    Role.OFFICE_REVIEWER: _l("Cán bộ phòng/sở"),
    Role.CONTENT_AUTHOR: _l("Biên soạn nội dung"),
    Role.ADMIN: _l("Quản trị"),
    Role.PARENT: _l("Cha mẹ, người chăm sóc"),
}

KIND_LABELS: dict[OrgKind, LazyString] = {
    OrgKind.MINISTRY: _l("Bộ"),
    OrgKind.PROVINCE: _l("Tỉnh/thành phố"),
    OrgKind.LEGACY_DISTRICT: _l("Huyện (trước 1/7/2025)"),
    OrgKind.COMMUNE: _l("Xã/phường"),
    OrgKind.SCHOOL: _l("Trường"),
    OrgKind.CLASS: _l("Lớp"),
}

LEVEL_LABELS: dict[SchoolLevel, LazyString] = {
    SchoolLevel.PRESCHOOL: _l("Mầm non"),
    SchoolLevel.PRIMARY: _l("Tiểu học"),
    SchoolLevel.LOWER_SECONDARY: _l("THCS"),
    SchoolLevel.UPPER_SECONDARY: _l("THPT"),
    SchoolLevel.MULTI_LEVEL: _l("Liên cấp"),
    SchoolLevel.CONTINUING: _l("GDTX"),
}


#: A teacher's duty in a class, as a phrase after the class ("Lớp 2A · chủ nhiệm").
DUTY_LABELS: dict[ClassDuty, LazyString] = {
    ClassDuty.HOMEROOM: _l("chủ nhiệm"),
    ClassDuty.SUBJECT: _l("giảng dạy"),
}


def template_labels() -> dict[str, object]:
    """Return the label tables for templates."""
    return {"ROLE_LABELS": ROLE_LABELS, "KIND_LABELS": KIND_LABELS, "LEVEL_LABELS": LEVEL_LABELS,
            "DUTY_LABELS": DUTY_LABELS}
