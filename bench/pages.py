"""The pages: search, the desk for three roles, a complaint page and the admin changelist,
each through ``django.test.Client`` (full middleware, sessions, templates)."""

from __future__ import annotations

from urllib.parse import quote

from bench.harness import BenchError


class PagesMixin:
    """The part of :class:`bench.runner.Bench` that measures the pages."""

    def pick_targets(self):
        """A number, a phone and a complaint page that exist in the (first tenth of the) data."""
        from complaints.models import Complaint, ComplaintEvent

        rng = self.rng
        ids = list(Complaint.objects.order_by("pk").values_list("pk", flat=True))
        self.target_number = Complaint.objects.get(pk=rng.choice(ids)).number
        phone = (
            Complaint.objects.filter(pk=rng.choice(ids), resident__isnull=False)
            .values_list("contact_phone", flat=True)
            .first()
        ) or Complaint.objects.filter(resident__isnull=False).values_list(
            "contact_phone", flat=True
        )[0]
        self.target_phone = str(phone).removeprefix("+86")
        self.target_detail = (
            ComplaintEvent.objects.filter(kind="revisit", complaint__state="closed")
            .order_by("complaint_id")
            .values_list("complaint_id", flat=True)
            .first()
        ) or ids[0]
        self.results["targets"] = {
            "number": self.target_number,
            "phone": self.target_phone,
            "detail_pk": self.target_detail,
        }

    def pages(self, *, small: bool):
        from django.urls import reverse

        from complaints import selectors

        manager = self.client("manager")
        self.cursors = {}
        searches = [
            ("list_p1", "Search: no query, page 1", "", 1),
            ("list_p50", "Search: no query, page 50 (Next)", "", 50),
            ("search_number", "Search: ?q=<number>", self.target_number, 1),
            ("search_phone", "Search: ?q=<phone>", self.target_phone, 1),
            ("search_phone_e164", "Search: ?q=+86<phone>", "+86" + self.target_phone, 1),
            (
                "search_phone_last4",
                "Search: ?q=<phone's last 4 digits>",
                self.target_phone[-4:],
                1,
            ),
            (
                "search_number_fragment",
                "Search: ?q=<number's last 4 digits>",
                self.target_number[-4:],
                1,
            ),
            ("search_room", "Search: ?q=3-2-1201", "3-2-1201", 1),
            ("search_text_p1", "Search: ?q=电梯 (free text), page 1", "电梯", 1),
            ("search_text_p50", "Search: ?q=电梯 (free text), page 50 (Next)", "电梯", 50),
        ]
        for key, label, q, page in searches:
            url = reverse("complaint-list") + "?" + (f"q={quote(q)}&" if q else "") + f"page={page}"
            found = selectors.complaints_search(self.users["manager"], selectors.SearchParams(q=q))
            if page > 1:
                # As the page's "Next" link reaches page 50: from the last row of page 49
                # (keyset), not by skipping 1,225 rows (OFFSET, which only a typed URL does).
                before = found[(page - 1) * 25 - 1 : (page - 1) * 25].first()
                if before is not None:
                    url += "&after=" + selectors.cursor_of(before)
                    self.cursors[key] = (before.received_at, before.pk)
            matches = found.count()
            self.record(key, label, get(manager, url), small=small, extra={"matches": matches})
        for key, label, who in [
            ("desk_frontdesk", "Desk (GET /): front desk", "frontdesk"),
            ("desk_head", "Desk (GET /): department head (工程部)", "eng_head"),
            ("desk_manager", "Desk (GET /): manager", "manager"),
        ]:
            self.record(key, label, get(self.client(who), reverse("home")), small=small)
        self.record(
            "detail",
            "Complaint page (closed, full timeline)",
            get(manager, reverse("complaint-detail", args=[self.target_detail])),
            small=small,
        )
        self.record(
            "admin_changelist",
            "Admin changelist /admin/complaints/complaint/",
            get(manager, reverse("admin:complaints_complaint_changelist")),
            small=small,
        )
        self.statistics(manager, small=small)
        self.steps_6_to_9(small=small)

    def steps_6_to_9(self, *, small: bool):
        """What Steps 6–9 added: the notification bell's page, delivering notifications, and
        the residents' side (their list and one complaint, signed in by phone)."""
        from django.test import Client
        from django.urls import reverse

        from complaints.models import Complaint, Notification
        from complaints.sla import notifications
        from residents.portal import session as portal_session

        for who in ("manager", "eng_head"):
            self.record(
                f"notifications_{who}",
                f"Notifications page ({who}, {Notification.objects.filter(recipient=self.users[who]).count():,} notifications)",
                get(self.client(who), reverse("notifications")),
                small=small,
            )
        ids = list(
            Notification.objects.filter(delivered_at__isnull=False)
            .order_by("-pk")
            .values_list("pk", flat=True)[:100]
        )

        def deliver():
            Notification.objects.filter(pk__in=ids).update(delivered_at=None, claimed_at=None)
            return notifications.deliver(ids)

        self.record(
            "deliver_100",
            "Delivering 100 notifications (in-app + e-mail, locmem backend)",
            deliver,
            small=small,
        )
        phone = "+86" + self.target_phone
        resident = Client(SERVER_NAME="localhost")
        session = resident.session
        session[portal_session.KEY] = {"phone": phone, "until": 4102444800}
        session.save()
        mine = Complaint.objects.of_resident(phone)
        self.record(
            "portal_home",
            f"Resident: my complaints ({mine.count()} of theirs)",
            get(resident, reverse("portal:home")),
            small=small,
        )
        number = mine.order_by("-received_at").values_list("number", flat=True).first()
        if number:
            self.record(
                "portal_complaint",
                "Resident: one complaint",
                get(resident, reverse("portal:complaint", args=[number])),
                small=small,
            )


def get(client, url):
    def fn():
        response = client.get(url)
        if response.status_code != 200:
            raise BenchError(f"GET {url} → {response.status_code}")
        return response

    return fn
