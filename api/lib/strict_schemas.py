"""Bodies that refuse unknown fields say so in the OpenAPI schema (``additionalProperties: false``).

msgspec rejects an unknown key of a ``forbid_unknown_fields`` struct with a 400; Litestar's schema
generation leaves ``additionalProperties`` open, so a client (or a fuzzer) reading the schema would
expect the extra key to be accepted. This plugin runs before Litestar's own struct plugin and closes
the schema of exactly those structs.

Litestar also drops the constraints of a list's item type (``list[Annotated[str, Meta(min_length=1)]]``
is documented as an array of any strings), so the plugin copies each list field's item constraints
(lengths, pattern, bounds) from msgspec's own view of the struct into the items' schema.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.spec.enums import OpenAPIType

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.openapi.spec import Schema
    from litestar.typing import FieldDefinition


class StrictStructSchemaPlugin(StructSchemaPlugin):
    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        config = getattr(field_definition.type_, "__struct_config__", None)
        if isinstance(config, msgspec.structs.StructConfig) and config.forbid_unknown_fields:
            schema.additional_properties = False
        if isinstance(config, msgspec.structs.StructConfig):
            _document_item_constraints(field_definition.type_, schema)
        return schema


_ITEM_CONSTRAINTS = {
    "min_length": "min_length",
    "max_length": "max_length",
    "pattern": "pattern",
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusive_minimum",
    "lt": "exclusive_maximum",
}


def _field_kind(kind: msgspec.inspect.Type) -> msgspec.inspect.Type:
    """The field's type without its metadata and without ``None`` (or ``UNSET``) beside it."""
    if isinstance(kind, msgspec.inspect.Metadata):
        kind = kind.type
    if isinstance(kind, msgspec.inspect.UnionType):
        rest = [t for t in kind.types if not isinstance(t, msgspec.inspect.NoneType)]  # UNSET is left out already
        if len(rest) == 1:
            return _field_kind(rest[0])
    return kind


def _document_item_constraints(struct: type, schema: Schema) -> None:
    """Copy the constraints of each ``list[...]`` field's scalar item type onto the items' schema, and the
    keys a ``dict[Literal[...], ...]`` field takes (Litestar documents any key) as ``propertyNames``."""
    from litestar.openapi.spec import Schema

    info = msgspec.inspect.type_info(struct)
    if not isinstance(info, msgspec.inspect.StructType):
        return
    for item in info.fields:
        kind = _field_kind(item.type)
        prop = (schema.properties or {}).get(item.encode_name)
        if not isinstance(prop, Schema):
            continue
        if isinstance(kind, msgspec.inspect.DictType) and isinstance(kind.key_type, msgspec.inspect.LiteralType):
            exact = _schema_of(kind)
            if exact is not None:
                exact.description = prop.description
                schema.properties[item.encode_name] = exact  # type: ignore[index]
            continue
        if not isinstance(kind, msgspec.inspect.ListType):
            continue
        items = prop.items
        scalar = kind.item_type
        if not isinstance(items, Schema) or not isinstance(
            scalar, msgspec.inspect.StrType | msgspec.inspect.IntType | msgspec.inspect.FloatType
        ):
            continue
        for source, target in _ITEM_CONSTRAINTS.items():
            value = getattr(scalar, source, None)
            if value is not None and getattr(items, target, None) is None:
                setattr(items, target, value)


def _schema_of(kind: msgspec.inspect.Type) -> Schema | None:
    """The exact schema of a nested container of scalars (what Litestar flattens), or ``None`` if it has other
    types in it."""
    from litestar.openapi.spec import Schema

    if isinstance(kind, msgspec.inspect.Metadata):
        return _schema_of(kind.type)
    if isinstance(kind, msgspec.inspect.StrType):
        return Schema(
            type=OpenAPIType.STRING, min_length=kind.min_length, max_length=kind.max_length, pattern=kind.pattern
        )
    if isinstance(kind, msgspec.inspect.IntType | msgspec.inspect.FloatType):
        number = OpenAPIType.INTEGER if isinstance(kind, msgspec.inspect.IntType) else OpenAPIType.NUMBER
        return Schema(
            type=number, minimum=kind.ge, maximum=kind.le, exclusive_minimum=kind.gt, exclusive_maximum=kind.lt
        )
    if isinstance(kind, msgspec.inspect.BoolType):
        return Schema(type=OpenAPIType.BOOLEAN)
    if isinstance(kind, msgspec.inspect.LiteralType) and all(isinstance(v, str) for v in kind.values):
        return Schema(type=OpenAPIType.STRING, enum=list(kind.values))
    if isinstance(kind, msgspec.inspect.ListType):
        items = _schema_of(kind.item_type)
        if items is None:
            return None
        return Schema(type=OpenAPIType.ARRAY, items=items, min_items=kind.min_length, max_items=kind.max_length)
    if isinstance(kind, msgspec.inspect.DictType):
        keys, values = _schema_of(kind.key_type), _schema_of(kind.value_type)
        if keys is None or values is None:
            return None
        return Schema(
            type=OpenAPIType.OBJECT,
            property_names=keys,
            additional_properties=values,
            min_properties=kind.min_length,
            max_properties=kind.max_length,
        )
    return None
