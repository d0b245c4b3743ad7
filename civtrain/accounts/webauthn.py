"""Security keys (WebAuthn / FIDO2) as a second factor (#17 item 1): the registration and
authentication ceremonies with the `webauthn` package. The challenge lives in the session
for one ceremony; the browser side is accounts/static/accounts/webauthn.js."""

from typing import Any

import webauthn
from django.conf import settings
from django.http import HttpRequest
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from civtrain.accounts import services
from civtrain.accounts.models import SecurityKey, User
from civtrain.core.errors import ValidationFailed

_REGISTER = "civtrain_webauthn_register"
_LOGIN = "civtrain_webauthn_login"


def _rp_id() -> str:
    return str(settings.CIVTRAIN_WEBAUTHN_RP_ID)


def _origin(request: HttpRequest) -> list[str]:
    """Where the ceremony may come from: the configured origins, and this request's own when
    its host is the relying party's (the browser checks the RP id against the page's host)."""
    origins = list(settings.CIVTRAIN_WEBAUTHN_ORIGINS)
    host = request.get_host().split(":")[0]
    rp = _rp_id()
    if host == rp or host.endswith("." + rp):
        origins.append(f"{request.scheme}://{request.get_host()}")
    return origins


def registration_options(request: HttpRequest, user: User) -> str:
    """Options for navigator.credentials.create(), as JSON; the challenge kept for finish."""
    existing = SecurityKey.objects.filter(user=user).values_list("credential_id", flat=True)
    options = webauthn.generate_registration_options(
        rp_id=_rp_id(),
        rp_name=str(getattr(settings, "OTP_TOTP_ISSUER", "civtrain")),
        user_name=user.username,
        user_id=str(user.pk).encode(),
        user_display_name=str(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.DISCOURAGED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=webauthn.base64url_to_bytes(c)) for c in existing
        ],
    )
    request.session[_REGISTER] = bytes_to_base64url(options.challenge)
    return webauthn.options_to_json(options)


def registration_finish(
    request: HttpRequest, user: User, credential: Any, name: str
) -> SecurityKey:
    challenge = request.session.pop(_REGISTER, None)
    if not challenge:
        raise ValidationFailed("请重新开始绑定安全密钥")
    try:
        verified = webauthn.verify_registration_response(
            credential=credential,
            expected_challenge=webauthn.base64url_to_bytes(challenge),
            expected_rp_id=_rp_id(),
            expected_origin=_origin(request),
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise ValidationFailed(f"安全密钥验证失败：{exc}") from None
    return services.security_key_add(
        user=user,
        name=name,
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
    )


def authentication_options(request: HttpRequest, user: User) -> str:
    keys = SecurityKey.objects.filter(user=user, confirmed=True).values_list(
        "credential_id", flat=True
    )
    if not keys:
        raise ValidationFailed("您还没有绑定安全密钥")
    options = webauthn.generate_authentication_options(
        rp_id=_rp_id(),
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=webauthn.base64url_to_bytes(k)) for k in keys
        ],
        user_verification=UserVerificationRequirement.DISCOURAGED,
    )
    request.session[_LOGIN] = bytes_to_base64url(options.challenge)
    return webauthn.options_to_json(options)


def authentication_finish(request: HttpRequest, user: User, credential: Any) -> SecurityKey:
    challenge = request.session.pop(_LOGIN, None)
    credential_id = credential.get("id") if isinstance(credential, dict) else None
    key = (
        SecurityKey.objects.filter(user=user, confirmed=True, credential_id=credential_id).first()
        if challenge and isinstance(credential_id, str)
        else None
    )
    if key is None:
        services.audit_second_factor_failed(user=user, method="webauthn")
        raise ValidationFailed("安全密钥验证失败，请重试")
    try:
        verified = webauthn.verify_authentication_response(
            credential=credential,
            expected_challenge=webauthn.base64url_to_bytes(challenge),
            expected_rp_id=_rp_id(),
            expected_origin=_origin(request),
            credential_public_key=bytes(key.public_key),
            credential_current_sign_count=key.sign_count,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError):
        services.audit_second_factor_failed(user=user, method="webauthn")
        raise ValidationFailed("安全密钥验证失败，请重试") from None
    services.security_key_used(key=key, sign_count=verified.new_sign_count)
    return key
