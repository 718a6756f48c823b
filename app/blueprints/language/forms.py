from flask import current_app
from wtforms import HiddenField, StringField
from wtforms.validators import ValidationError

from app.forms import Form


class LanguageForm(Form):
    lang = StringField()
    next = HiddenField()

    def validate_lang(self, field) -> None:
        if field.data not in current_app.config["LANGUAGES"]:
            raise ValidationError("unsupported language")
