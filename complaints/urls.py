from django.urls import path

from . import views, views_lists, views_notify, views_sla

urlpatterns = [
    path("", views.home, name="home"),
    path("complaints/", views.complaint_list, name="complaint-list"),
    path("complaints/new/", views.intake, name="complaint-intake"),
    path("complaints/new/history/", views.resident_history, name="intake-history"),
    path("complaints/new/group-hint/", views.group_hint, name="intake-group-hint"),
    path("complaints/revisits/", views.revisit_queue, name="revisit-queue"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint-detail"),
    path("complaints/<int:pk>/confirm/", views.complaint_confirm_page, name="complaint-confirm"),
    path("complaints/<int:pk>/do/<slug:name>/", views.complaint_action, name="complaint-action"),
    path("complaints/<int:pk>/dispatch/", views.complaint_dispatch, name="complaint-dispatch"),
    path("complaints/<int:pk>/progress/", views.complaint_progress, name="complaint-progress"),
    path("complaints/<int:pk>/attach/", views.complaint_attach, name="complaint-attach"),
    path("complaints/<int:pk>/phone/", views.reveal_phone, name="complaint-phone"),
    path("complaints/<int:pk>/print/", views.complaint_print, name="complaint-print"),
    path(
        "complaints/<int:pk>/files/<int:attachment_id>/",
        views.attachment_download,
        name="attachment-download",
    ),
    path("complaints/<int:pk>/extension/", views_sla.extension_request, name="extension-request"),
    path("complaints/<int:pk>/agree/", views_sla.agree_deadline, name="complaint-agree"),
    path(
        "complaints/<int:pk>/book-revisit/", views_sla.book_revisit, name="complaint-book-revisit"
    ),
    path(
        "extensions/<int:extension_id>/decide/", views_sla.extension_decide, name="extension-decide"
    ),
    path("notifications/", views_sla.notifications, name="notifications"),
    path("notifications/read/", views_sla.notifications_read, name="notifications-read"),
    path(
        "notifications/settings/",
        views_notify.notification_preferences,
        name="notification-preferences",
    ),
    path("escalations/", views_lists.escalations, name="escalations"),
    path(
        "escalations/<int:escalation_id>/acknowledge/",
        views_lists.escalation_acknowledge,
        name="escalation-acknowledge",
    ),
    path(
        "escalations/<int:escalation_id>/assign/",
        views_lists.escalation_assign,
        name="escalation-assign",
    ),
    path("complaints/export.<str:fmt>", views_lists.complaint_export, name="complaint-export"),
    path(
        "complaints/revisits/export.<str:fmt>",
        views_lists.revisit_export,
        name="revisit-export",
    ),
    path("queues/<slug:key>/export.<str:fmt>", views_lists.queue_export, name="queue-export"),
    path("work-orders/export.<str:fmt>", views_lists.work_order_export, name="work-order-export"),
    path("saved-views/", views_lists.saved_view_create, name="saved-view-create"),
    path("saved-views/<int:view_id>/", views_lists.saved_view_open, name="saved-view-open"),
    path(
        "saved-views/<int:view_id>/delete/",
        views_lists.saved_view_delete,
        name="saved-view-delete",
    ),
    path("work-orders/", views.work_orders, name="work-orders"),
    path("work-orders/<int:order_id>/sign/", views.work_order_sign, name="work-order-sign"),
]
