"""Bodies that refuse unknown fields say so in the OpenAPI schema (``additionalProperties: false``).

msgspec rejects an unknown key of a ``forbid_unknown_fields`` struct with a 400; Litestar's schema
generation leaves ``additionalProperties`` open, so a client (or a fuzzer) reading the schema would
expect the extra key to be accepted. This plugin runs before Litestar's own struct plugin and closes
the schema of exactly those structs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin

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
        return schema
