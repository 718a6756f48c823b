from flask import current_app
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import ValidationError


class LanguageForm(FlaskForm):
    lang = StringField()
    next = HiddenField()

    def validate_lang(self, field) -> None:
        if field.data not in current_app.config["LANGUAGES"]:
            raise ValidationError("unsupported language")
