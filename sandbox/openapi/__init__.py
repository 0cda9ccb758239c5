"""OpenAPI 3 documents generated from the services' marshmallow schemas, and an offline Swagger UI."""
