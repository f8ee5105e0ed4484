"""The coverage targets form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, SelectChoice, SelectField, StringField
from wtforms.validators import AnyOf, ValidationError

from lms_module.core.csrf import ModuleForm
from lms_module.core.inputs import bounded_int
from lms_module.coverage.report import AUDIENCE_LABELS
from lms_module.obligations.population import COVERAGE_AUDIENCES
from lms_module.school_years.year import SchoolYear, SchoolYearError

#: How a date is typed on the form: day/month/year, as Vietnamese forms write it.
DAY_FORMAT = "%d/%m/%Y"


def _sent(valuelist: list[Any]) -> str:
    """Return the text sent for a field; a field missing from a sent form counts as empty."""
    return str(valuelist[0]) if valuelist else ""


class PercentField(StringField):  # type: ignore[misc]
    """A rate above 0 and at most 100 percent, typed with a decimal comma or point ("98,5").

    ``data`` is the number (the default until a valid one is sent); the page shows back what
    was typed.
    """

    data: float

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            percent = float(_sent(valuelist).replace(",", "."))
        except ValueError:
            percent = -1.0
        if not 0 < percent <= 100:
            raise ValueError(_l("Tỉ lệ phải là một số lớn hơn 0 và không quá 100, ví dụ 95."))
        self.data = percent

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return f"{self.data:g}"


class DayField(StringField):  # type: ignore[misc]
    """A date typed as day/month/year ("31/05/2027"); ``data`` is the date (the default until
    a valid one is sent)."""

    data: dt.date

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            self.data = dt.datetime.strptime(_sent(valuelist).strip(), DAY_FORMAT).date()
        except ValueError:
            raise ValueError(
                _l("Hạn hoàn thành phải có dạng ngày/tháng/năm, ví dụ 31/05/2027.")
            ) from None

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return self.data.strftime(DAY_FORMAT)


class SchoolYearField(StringField):  # type: ignore[misc]
    """A school year typed as "2026-2027"; ``data`` is the :class:`SchoolYear` (the default
    until a valid one is sent)."""

    data: SchoolYear

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            self.data = SchoolYear.parse(_sent(valuelist).strip())
        except SchoolYearError as error:
            raise ValueError(error.message) from None

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return str(self.data)


def _requirement_id(value: object) -> int | None:
    return bounded_int(str(value))


def _source(text: str | None) -> str:
    return (text or "").strip()[:200]


class TargetForm(ModuleForm):
    """One coverage target of a unit: who, which requirement, what rate, which year, by when.

    The page lays out the labels (``coverage/targets.html``).

    :param school_year: the year a blank form proposes, due by its reporting end (31 May).
    :param requirements: the choices of ``requirement``: each requirement's id and title.
    """

    audience = SelectField(
        choices=[
            SelectChoice(audience.value, AUDIENCE_LABELS[audience])
            for audience in COVERAGE_AUDIENCES
        ],
        validate_choice=False,
        validators=[
            AnyOf(
                [audience.value for audience in COVERAGE_AUDIENCES],
                message=_l("Hãy chọn đối tượng."),
            )
        ],
    )
    requirement = SelectField(coerce=_requirement_id, validate_choice=False)
    percent = PercentField(default=95, render_kw={"inputmode": "decimal"})
    school_year = SchoolYearField()
    deadline = DayField()
    source = StringField(filters=[_source])

    def __init__(
        self,
        school_year: SchoolYear,
        requirements: Sequence[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(school_year=school_year, deadline=school_year.reporting_end, **kwargs)
        self.requirement.choices = [SelectChoice(id_, title) for id_, title in requirements]

    def validate_requirement(self, field: Field) -> None:
        if field.data is None or field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Hãy chọn yêu cầu (các khóa học được tính)."))
