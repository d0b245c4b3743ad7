from django.urls import path

from civtrain.enrolment import views

app_name = "enrolment"

urlpatterns = [
    path("classes/<int:class_id>/nominate/", views.nominate, name="nominate"),
    path("classes/<int:class_id>/roster/", views.roster, name="roster"),
    path("classes/<int:class_id>/roster/export/", views.roster_export, name="roster_export"),
    path("enrolments/<int:enrolment_id>/withdraw/", views.withdraw, name="withdraw"),
    path("enrolments/<int:enrolment_id>/admit/", views.admit, name="admit"),
    path("classes/<int:class_id>/capacity/", views.capacity, name="capacity"),
    path("classes/<int:class_id>/notices/", views.notices, name="notices"),
    path("notices/<int:notice_id>/file/", views.notice_file, name="notice_file"),
    path("classes/<int:class_id>/attendance/", views.attendance, name="attendance"),
    path(
        "classes/<int:class_id>/attendance/upload/",
        views.attendance_upload,
        name="attendance_upload",
    ),
    path(
        "sessions/<int:session_id>/mark/<int:enrolment_id>/",
        views.attendance_toggle,
        name="attendance_toggle",
    ),
    path("sessions/<int:session_id>/qr/", views.qr_page, name="qr"),
    path("sessions/<int:session_id>/qr/code/", views.qr_code, name="qr_code"),
    path("checkin/<int:session_id>/<str:token>/", views.checkin, name="checkin"),
    path("classes/<int:class_id>/leave/", views.leave, name="leave"),
    path("leave/<int:leave_id>/decide/", views.leave_decide, name="leave_decide"),
    path("enrolments/<int:enrolment_id>/leave/", views.leave_request, name="leave_request"),
    path("classes/<int:class_id>/results/", views.results, name="results"),
    path("classes/<int:class_id>/results/upload/", views.results_upload, name="results_upload"),
    path(
        "classes/<int:class_id>/results/finalise/", views.results_finalise, name="results_finalise"
    ),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:notice_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path(
        "inbox/messages/<int:message_id>/acknowledge/",
        views.message_acknowledge,
        name="message_acknowledge",
    ),
    path("mine/", views.mine, name="mine"),
    path("classes/<int:class_id>/register/", views.self_register, name="self_register"),
]
