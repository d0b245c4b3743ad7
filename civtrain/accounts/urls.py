from django.urls import path

from civtrain.accounts import admin_views, views

app_name = "accounts"

urlpatterns = [
    path("password/", views.password_change, name="password_change"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    # The second factor (#17 item 1).
    path("2fa/", views.second_factor, name="second_factor"),
    path("security/", views.security, name="security"),
    path("webauthn/register/begin/", views.webauthn_register_begin, name="webauthn_register_begin"),
    path(
        "webauthn/register/finish/",
        views.webauthn_register_finish,
        name="webauthn_register_finish",
    ),
    path("webauthn/login/begin/", views.webauthn_login_begin, name="webauthn_login_begin"),
    path("webauthn/login/finish/", views.webauthn_login_finish, name="webauthn_login_finish"),
    # The security administrator (#17 item 2).
    path("users/", admin_views.accounts, name="accounts"),
    path("users/<int:user_id>/", admin_views.account, name="account"),
    path("users/<int:user_id>/unlock/", admin_views.unlock, name="unlock"),
    path("users/<int:user_id>/reset-2fa/", admin_views.reset_second_factor, name="reset_2fa"),
    path("users/<int:user_id>/roles/", admin_views.grant, name="grant"),
    path("users/<int:user_id>/disable/", admin_views.disable, name="disable"),
    path("dormant/", admin_views.dormant, name="dormant"),
    path("roles/<int:assignment_id>/revoke/", admin_views.revoke, name="revoke"),
    path("policy/", admin_views.policy, name="policy"),
]
