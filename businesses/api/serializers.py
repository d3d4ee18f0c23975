from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from core.serializers import StrictCharField, StrictInputSerializer


@extend_schema_serializer(component_name="BusinessWrite")
class BusinessInput(StrictInputSerializer):
    name = StrictCharField(min_length=1, max_length=255)


@extend_schema_serializer(component_name="Business")
class BusinessOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    createdAt = serializers.DateTimeField(source="created_at")
    modifiedAt = serializers.DateTimeField(source="modified_at", allow_null=True)
