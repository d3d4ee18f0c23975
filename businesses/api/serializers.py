from rest_framework import serializers

from core.serializers import StrictCharField, StrictInputSerializer


class BusinessCreateInput(StrictInputSerializer):
    name = StrictCharField(max_length=255)


class BusinessOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    createdAt = serializers.DateTimeField(source="created_at")
    modifiedAt = serializers.DateTimeField(source="modified_at", allow_null=True)
