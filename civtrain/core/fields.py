"""Constrained field types for the REST layers: what the parser accepts, said in the OpenAPI
schema too, so a client (and schemathesis) never meets a refusal the schema did not announce
(#8 item 11: "valid requests rejected", a time format the schema got wrong, a year of 0)."""

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

from pydantic import Field, WithJsonSchema, condecimal

# Row ids: positive and inside a 64-bit key, so nothing out of range reaches the database.
DbId = Annotated[int, Field(ge=1, le=2**63 - 1)]

# A calendar year the platform reports on (the compliance engine builds dates from it).
Year = Annotated[int, Field(ge=1990, le=2100)]

# A reference date ("as of"): inside the years above. The pattern repeats the bounds for
# generators; the format says the rest.
ReportDate = Annotated[
    dt.date,
    Field(ge=dt.date(1990, 1, 1), le=dt.date(2100, 12, 31)),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^(199\d|20\d\d|2100)-"}),
]

# A wall-clock time without a zone ("09:00" in, "09:00:00" out). JSON Schema's `time` format
# demands a zone offset, which these local session times do not have.
ClockTime = Annotated[
    dt.time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
            "examples": ["09:00"],
        }
    ),
]


def _numeric_schema(max_digits: int, decimal_places: int) -> Any:
    """An integer or a decimal string that fits the column, as the parser below accepts it;
    pydantic's own schema says "any number or any string"."""
    whole = max_digits - decimal_places
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": -(10**whole - 1), "maximum": 10**whole - 1},
                {"type": "string", "pattern": rf"^-?\d{{1,{whole}}}(\.\d{{1,{decimal_places}}})?$"},
            ]
        },
        mode="validation",
    )


def non_negative(max_digits: int, decimal_places: int) -> Any:
    """A decimal ≥ 0 that fits numeric(max_digits, decimal_places), with the schema that says
    exactly that (an integer in range, or a decimal string without a sign), so that what the
    schema admits the parser accepts (the API contract test)."""
    whole = max_digits - decimal_places
    return Annotated[
        condecimal(ge=0, max_digits=max_digits, decimal_places=decimal_places),
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "integer", "minimum": 0, "maximum": 10**whole - 1},
                    {
                        "type": "string",
                        "pattern": rf"^\d{{1,{whole}}}(\.\d{{1,{decimal_places}}})?$",
                    },
                ]
            },
            mode="validation",
        ),
    ]


# Decimals shaped like their columns (numeric(max_digits, decimal_places)): a larger value
# is refused by the parser with the field named, never by the database. condecimal, not
# Field(): a Field() inside Annotated would replace the default of an optional form field.
if TYPE_CHECKING:
    Numeric4_2: TypeAlias = Decimal
    Numeric5_1: TypeAlias = Decimal
    Numeric6_1: TypeAlias = Decimal
    Numeric6_2: TypeAlias = Decimal
    Numeric7_1: TypeAlias = Decimal
    Numeric7_2: TypeAlias = Decimal
    Numeric8_2: TypeAlias = Decimal
    NonNegative4_2: TypeAlias = Decimal
    NonNegative6_1: TypeAlias = Decimal
    NonNegative6_2: TypeAlias = Decimal
    NonNegative9_2: TypeAlias = Decimal
    NonNegative12_2: TypeAlias = Decimal
else:

    def _numeric(max_digits: int, decimal_places: int) -> Any:
        return Annotated[
            condecimal(max_digits=max_digits, decimal_places=decimal_places),
            _numeric_schema(max_digits, decimal_places),
        ]

    Numeric4_2 = _numeric(4, 2)
    Numeric5_1 = _numeric(5, 1)
    Numeric6_1 = _numeric(6, 1)
    Numeric6_2 = _numeric(6, 2)
    Numeric7_1 = _numeric(7, 1)
    Numeric7_2 = _numeric(7, 2)
    Numeric8_2 = _numeric(8, 2)
    NonNegative4_2 = non_negative(4, 2)
    NonNegative6_1 = non_negative(6, 1)
    NonNegative6_2 = non_negative(6, 2)
    NonNegative9_2 = non_negative(9, 2)
    NonNegative12_2 = non_negative(12, 2)

# Text that must not be blank. Said in the schema only: the service refuses a blank value
# with its own sentence naming the field, where a pydantic pattern error would say less.
NonBlank = Annotated[str, WithJsonSchema({"type": "string", "pattern": r"\S"})]
