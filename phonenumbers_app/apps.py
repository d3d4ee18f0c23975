from django.apps import AppConfig


class PhoneNumbersConfig(AppConfig):
    name = "phonenumbers_app"
    verbose_name = "Phone numbers"
