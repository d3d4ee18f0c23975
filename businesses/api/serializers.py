from rest_framework import serializers

from core.serializers import StrictCharField, StrictInputSerializer


class BusinessInput(StrictInputSerializer):
    name = StrictCharField(max_length=255)


class BusinessOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    createdAt = serializers.DateTimeField(source="created_at")
    modifiedAt = serializers.DateTimeField(source="modified_at", allow_null=True)


class BusinessPageOutput(serializers.Serializer):
    items = BusinessOutput(many=True)
    pageSize = serializers.IntegerField()
    totalCount = serializers.IntegerField(allow_null=True)
    continuationToken = serializers.CharField(allow_null=True)
