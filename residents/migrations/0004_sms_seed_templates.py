"""The default wording of the messages to residents (edited afterwards in the admin).

The texts are written out here, not imported: a migration must not change when the code does.
"""

from django.db import migrations

TEXTS = {
    "sign_in_code": {
        "zh-hans": "您的登录验证码是 {code}，5分钟内有效。请勿告诉他人。",
        "en": "Your sign-in code is {code}. It is valid for 5 minutes; do not share it.",
    },
    "received": {
        "zh-hans": "您的投诉已受理，编号{number}。我们将尽快安排处理，并以短信告知进展。",
        "en": "We have received your complaint, number {number}. We will arrange the "
        "handling and keep you informed by text message.",
    },
    "dispatched": {
        "zh-hans": "您的投诉{number}已交由{department}处理，预计{due}前处理完毕。",
        "en": "Your complaint {number} has been passed to {department}; it should be dealt "
        "with by {due}.",
    },
    "answered": {
        "zh-hans": "您的投诉{number}处理方案已确定，由{department}落实，预计{due}前完成。"
        "如有异议请联系服务中心。",
        "en": "The plan for your complaint {number} is agreed: {department} will carry it "
        "out by {due}. Please call the service centre if you disagree.",
    },
    "resolved": {
        "zh-hans": "您的投诉{number}已处理完毕，请对处理结果进行评价：{link} （7天内有效）",
        "en": "Your complaint {number} has been dealt with. Please rate how we handled it: "
        "{link} (valid for 7 days)",
    },
    "handed_up": {
        "zh-hans": "您的投诉{number}已提交上级负责人跟进，我们会尽快给您答复。",
        "en": "Your complaint {number} has been passed to a senior manager, who will follow "
        "it up and answer you soon.",
    },
    "closed": {
        "zh-hans": "您的投诉{number}已办结归档，感谢您对物业服务的支持与监督。",
        "en": "Your complaint {number} is now closed. Thank you for helping us improve our "
        "service.",
    },
}


def seed(apps, schema_editor):
    MessageTemplate = apps.get_model("residents", "MessageTemplate")
    for event, texts in TEXTS.items():
        for language, text in texts.items():
            MessageTemplate.objects.get_or_create(
                event=event, language=language, defaults={"text": text}
            )


class Migration(migrations.Migration):
    dependencies = [("residents", "0003_sms_messaging")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
