"""The SLA engine's running deadlines (one Clock row per complaint and deadline), night duty
(office hours, urgent complaints and categories), agreed deadlines and
revisit deadlines, and deadlines in minutes.

The sweep's old markers on the complaint (resolve_level, management_told, reminders_sent,
reminder_at) are carried over into clock levels before they are dropped, so an upgraded
database neither repeats nor forgets an escalation; answer_hours becomes answer_minutes.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


OFFICE_HOURS = [(day, dt.time(8, 0), dt.time(18, 0)) for day in range(8)]
# Urgent headings: dispatched at once, day or night.
URGENT_CODES = ["equipment-6", "security-5", "security-6"]
NEW_URGENT = [  # parent, code, name
    ("equipment", "equipment-lift-trapped", "电梯困人"),
    ("equipment", "equipment-flooding", "水浸"),
]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _notify_due(start, policy):
    if policy.notify_within_minutes is not None:
        return start + dt.timedelta(minutes=policy.notify_within_minutes)
    local = start.astimezone(SHANGHAI)
    return local.replace(hour=23, minute=59, second=59, microsecond=999999)


def forwards(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    Clock = apps.get_model("complaints", "Clock")
    SlaPolicy = apps.get_model("complaints", "SlaPolicy")
    OfficeHours = apps.get_model("complaints", "OfficeHours")
    Category = apps.get_model("complaints", "Category")

    for policy in SlaPolicy.objects.all():
        if policy.answer_hours:
            policy.answer_minutes = policy.answer_hours * 60
            policy.save(update_fields=["answer_minutes"])
    for day, opens, closes in OFFICE_HOURS:
        OfficeHours.objects.get_or_create(day=day, defaults={"opens": opens, "closes": closes})
    Category.objects.filter(code__in=URGENT_CODES).update(is_urgent=True)
    for parent_code, code, name in NEW_URGENT:
        parent = Category.objects.filter(code=parent_code).first()
        if parent is not None and not Category.objects.filter(code=code).exists():
            Category.objects.create(
                parent=parent, code=code, name=name, is_urgent=True, sort_order=90
            )
    # The markers of the old sweep become clock levels; the next sweep re-reads each clock
    # (next_at = now) and the escalations' unique key keeps it from repeating any breach.
    policies = {p.severity: p for p in SlaPolicy.objects.all()}
    now = dt.datetime.now(dt.UTC)
    clocks = []
    for c in Complaint.objects.exclude(state="closed").iterator():
        Complaint.objects.filter(pk=c.pk).update(clocks_started_at=c.received_at)
        start = c.received_at
        if c.dispatched_at is None and c.dispatch_due_at and c.validity != "invalid":
            clocks.append(Clock(complaint_id=c.pk, kind="dispatch", started_at=start,
                                due_at=c.dispatch_due_at, level=0, next_at=now))
        if c.resolved_at is None and c.resolve_due_at:
            clocks.append(Clock(complaint_id=c.pk, kind="resolve", started_at=start,
                                due_at=c.resolve_due_at, level=c.resolve_level, next_at=now))
            clocks.append(Clock(complaint_id=c.pk, kind="reminder", started_at=start,
                                due_at=c.resolve_due_at, level=c.reminders_sent,
                                next_at=c.reminder_at))
        if c.answered_at is None and c.answer_due_at:
            clocks.append(Clock(complaint_id=c.pk, kind="answer", started_at=start,
                                due_at=c.answer_due_at, level=0, next_at=now))
        policy = policies.get(c.severity)
        if policy is not None and policy.notify_role and not c.management_told:
            clocks.append(Clock(complaint_id=c.pk, kind="notify", started_at=start,
                                due_at=_notify_due(start, policy), level=0, next_at=now))
    Clock.objects.bulk_create(clocks, batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0011_sweep_markers'),
        ('residents', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Clock',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('dispatch', 'dispatch'), ('notify', 'management informed'), ('answer', 'answer to the resident'), ('resolve', 'resolution'), ('progress', 'daily progress report'), ('month', 'open for a month'), ('reminder', 'reminder before the deadline'), ('revisit', 'revisit')], max_length=10, verbose_name='deadline')),
                ('started_at', models.DateTimeField(verbose_name='runs from')),
                ('due_at', models.DateTimeField(verbose_name='due')),
                ('level', models.PositiveSmallIntegerField(default=0, verbose_name='escalations raised')),
                ('next_at', models.DateTimeField(blank=True, null=True, verbose_name='next look')),
            ],
            options={
                'verbose_name': 'running deadline',
                'verbose_name_plural': 'running deadlines',
                'ordering': ['complaint_id', 'kind'],
            },
        ),
        migrations.CreateModel(
            name='OfficeHours',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.PositiveSmallIntegerField(choices=[(0, 'Monday'), (1, 'Tuesday'), (2, 'Wednesday'), (3, 'Thursday'), (4, 'Friday'), (5, 'Saturday'), (6, 'Sunday'), (7, 'public holiday or company day off')], unique=True, verbose_name='day')),
                ('opens', models.TimeField(verbose_name='day shift starts')),
                ('closes', models.TimeField(verbose_name='day shift ends')),
            ],
            options={
                'verbose_name': 'office hours',
                'verbose_name_plural': 'office hours',
                'ordering': ['day'],
            },
        ),
        migrations.AddField(
            model_name='category',
            name='is_urgent',
            field=models.BooleanField(default=False, help_text='Lift entrapment, flooding, fire, security: dispatched at once, day or night.', verbose_name='urgent'),
        ),
        migrations.AddField(
            model_name='complaint',
            name='agreed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='deadline agreed at'),
        ),
        migrations.AddField(
            model_name='complaint',
            name='agreed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='deadline agreed by'),
        ),
        migrations.AddField(
            model_name='complaint',
            name='agreed_due_at',
            field=models.DateTimeField(blank=True, help_text="Prevails over the policy's deadline, earlier or later.", null=True, verbose_name='resolution deadline agreed with the resident'),
        ),
        migrations.AddField(
            model_name='complaint',
            name='clocks_started_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='clocks started at'),
        ),
        migrations.AddField(
            model_name='complaint',
            name='is_urgent',
            field=models.BooleanField(default=False, help_text='Dispatched at once, day or night (lift entrapment, flooding, fire, security).', verbose_name='urgent'),
        ),
        migrations.AddField(
            model_name='complaint',
            name='revisit_appointment_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='revisit at the time agreed with the resident'),
        ),
        migrations.AddField(
            model_name='complaint',
            name='revisit_due_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='revisit due'),
        ),
        migrations.AddField(
            model_name='deskpolicy',
            name='progress_every_hours',
            field=models.PositiveSmallIntegerField(blank=True, help_text='Empty: a report each day by the time above. A number (e.g. 24): a report within that many hours of signing and of the previous report.', null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name='progress reported every (hours)'),
        ),
        migrations.AddField(
            model_name='deskpolicy',
            name='revisit_within_hours',
            field=models.PositiveSmallIntegerField(blank=True, default=12, help_text='Empty: the same day as the resolution. A time agreed with the resident prevails.', null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name='revisit within (hours of resolution)'),
        ),
        migrations.AddField(
            model_name='slapolicy',
            name='answer_minutes',
            field=models.PositiveIntegerField(blank=True, help_text='Empty: no separate answer deadline. 60 = 1 hour, 2880 = 2 days.', null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name='clear answer within (minutes)'),
        ),
        migrations.AddField(
            model_name='slapolicy',
            name='resolve_hours',
            field=models.PositiveSmallIntegerField(blank=True, help_text='Set for a limit shorter than a day (e.g. 12): it replaces the days.', null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name='resolve within (hours)'),
        ),
        migrations.AlterField(
            model_name='escalation',
            name='clock',
            field=models.CharField(choices=[('dispatch', 'dispatch'), ('notify', 'management informed'), ('answer', 'answer to the resident'), ('resolve', 'resolution'), ('progress', 'daily progress report'), ('month', 'open for a month'), ('reminder', 'reminder before the deadline'), ('revisit', 'revisit')], max_length=10, verbose_name='deadline'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(condition=models.Q(('state', 'resolved')), fields=['revisit_due_at'], name='complaint_revisit_due'),
        ),
        migrations.AddField(
            model_name='clock',
            name='complaint',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='clocks', to='complaints.complaint', verbose_name='complaint'),
        ),
        migrations.AddConstraint(
            model_name='officehours',
            constraint=models.CheckConstraint(condition=models.Q(('closes__gt', models.F('opens'))), name='complaints_officehours_closes_after_opening', violation_error_message='The day shift must end after it starts.'),
        ),
        migrations.AddIndex(
            model_name='clock',
            index=models.Index(condition=models.Q(('next_at__isnull', False)), fields=['next_at'], name='clock_next'),
        ),
        migrations.AddConstraint(
            model_name='clock',
            constraint=models.UniqueConstraint(fields=('complaint', 'kind'), name='complaints_clock_one_per_kind'),
        ),
        migrations.AddField(
            model_name='complaint',
            name='rework_started_at',
            field=models.DateTimeField(blank=True, help_text='The last unsatisfied revisit: the resolution clock runs again from here.', null=True, verbose_name='rework started at'),
        ),
        migrations.AlterField(
            model_name='complaintevent',
            name='kind',
            field=models.CharField(choices=[('created', 'received'), ('transition', 'state changed'), ('classified', 'classified'), ('dispatched', 'dispatched'), ('signed', 'signed for'), ('progress', 'progress'), ('note', 'note'), ('revisit', 'revisit'), ('attachment', 'attachment'), ('group', 'group complaint'), ('reopened', 'reopened'), ('phone', 'phone number viewed'), ('escalated', 'escalated'), ('extension', 'deadline extension'), ('agreed', 'time agreed with the resident')], max_length=12, verbose_name='kind'),
        ),
        migrations.AlterModelOptions(
            name='deadlineextension',
            options={'ordering': ['-requested_at', '-id'], 'permissions': [('decide_supervisor_extensions', 'Can decide extensions a supervisor approves'), ('decide_manager_extensions', 'Can decide extensions a manager approves'), ('decide_general_manager_extensions', 'Can decide extensions the general manager approves')], 'verbose_name': 'deadline extension', 'verbose_name_plural': 'deadline extensions'},
        ),
        migrations.AddField(
            model_name='notification',
            name='claimed_at',
            field=models.DateTimeField(blank=True, help_text='Set by the worker sending it, so no two workers send it twice.', null=True, verbose_name='being sent since'),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name='complaint',
            name='complaint_sweep_resolve',
        ),
        migrations.RemoveIndex(
            model_name='complaint',
            name='complaint_month_rule',
        ),
        migrations.RemoveIndex(
            model_name='complaint',
            name='complaint_open_reminder',
        ),
        migrations.RemoveIndex(
            model_name='complaint',
            name='complaint_management_untold',
        ),
        migrations.RemoveField(
            model_name='complaint',
            name='management_told',
        ),
        migrations.RemoveField(
            model_name='complaint',
            name='reminder_at',
        ),
        migrations.RemoveField(
            model_name='complaint',
            name='reminders_sent',
        ),
        migrations.RemoveField(
            model_name='complaint',
            name='resolve_level',
        ),
        migrations.RemoveField(
            model_name='slapolicy',
            name='answer_hours',
        ),
    ]
