"""Pages of teaching materials (CQ-B4, issue #16 item 2): the library (bureaus, unit HR,
institutions, teachers), a material with its versions and links, the learner's materials,
and the downloads — through the protected path courseware uses (core.downloads)."""

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civtrain.accounts.api import actor_scope
from civtrain.catalogue.api import subject_names
from civtrain.classes.api import class_choices
from civtrain.core.audit import audit_events_of
from civtrain.core.downloads import serve_file
from civtrain.core.errors import ApplicationError, NotFound
from civtrain.core.pages import act_then_redirect
from civtrain.faculty.api import TeacherPickerField
from civtrain.learning.api import course_choices
from civtrain.materials import content, selectors, services
from civtrain.materials.errors import MaterialError, MaterialsErrorCode
from civtrain.organisations.api import org_labels

FILE_FIELD = "file"


class MaterialForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    subject = forms.ChoiceField(label=gettext_lazy("科目"), required=False)
    author = forms.CharField(label=gettext_lazy("编者"), max_length=100, required=False)
    teacher_id = TeacherPickerField(label=gettext_lazy("授课教师"), required=False)
    description = forms.CharField(
        label=gettext_lazy("说明"), required=False, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teacher_id"].actor = actor  # type: ignore[attr-defined]
        self.fields["subject"].choices = [("", "—"), *subject_names().items()]  # type: ignore[attr-defined]
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            )

    def facts(self) -> dict[str, Any]:
        if not self.is_valid():
            first = next(iter(self.errors.values()))[0]
            raise MaterialError(MaterialsErrorCode.INVALID, str(first))
        data = self.cleaned_data
        return {
            "title": data["title"],
            "subject": data["subject"] or "",
            "author": data["author"] or "",
            "teacher_id": data["teacher_id"],
            "description": data["description"] or "",
        }


def _owner_nodes(request: HttpRequest) -> list[tuple[int, str]]:
    """The nodes the actor holds as an author (a material's owner is one of them)."""
    paths = actor_scope(request.user).paths_for(*selectors.AUTHORS)
    ids = [int(p.strip("/").split("/")[-1]) for p in paths]
    labels = org_labels(ids)
    return [(i, labels[i]) for i in ids if i in labels]


def _upload(request: HttpRequest) -> Any:
    upload = request.FILES.get(FILE_FIELD)
    if upload is None:
        raise MaterialError(MaterialsErrorCode.BAD_FILE, "请选择要上传的文件")
    return upload


@login_required
def library(request: HttpRequest) -> HttpResponse:
    """资料库: search by title, author or teacher, filter by subject and file type; upload."""
    owners = _owner_nodes(request)
    if not owners:
        raise NotFound(_("只有主管部门、单位、施教机构和教师可以使用资料库"))
    form = MaterialForm(actor=request.user)
    if request.method == "POST":
        form = MaterialForm(request.POST, actor=request.user)
        try:
            upload = _upload(request)
            material = services.material_create(
                actor=request.user,
                org_id=int(request.POST.get("org_id") or owners[0][0]),
                filename=upload.name or "",
                size=upload.size or 0,
                chunks=upload.chunks(),
                note=request.POST.get("note", ""),
                **form.facts(),
            )
        except (ApplicationError, ValueError) as exc:
            messages.error(request, _(getattr(exc, "message", "") or "所属单位不正确"))
        else:
            messages.success(request, _("资料已上传（第 1 版）"))
            return redirect("materials:detail", material_id=material.pk)
    filters = {k: request.GET.get(k, "").strip()[:100] for k in ("q", "subject", "type", "mine")}
    materials = selectors.material_list(
        actor=request.user,
        search=filters["q"],
        subject=filters["subject"],
        file_type=filters["type"],
        mine=filters["mine"] == "1",
    )
    page = Paginator(materials, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    current = selectors.current_versions(m.pk for m in page)
    names = subject_names(include_inactive=True)
    context = {
        "page": page,
        "rows": [
            (
                m,
                names.get(m.subject, m.subject),
                v,
                content.TYPE_LABELS.get(v.file_type, "") if v else "",
            )
            for m in page
            for v in [current.get(m.pk)]
        ],
        "query": urlencode({k: v for k, v in filters.items() if v}),
        "filters": filters,
        "subjects": names,
        "types": dict(sorted(set(content.TYPE_LABELS.items()), key=lambda t: t[1])),
        "owners": owners,
        "form": form,
        "accept": content.ACCEPT,
        "max_mb": content.MAX_FILE_BYTES // content.MIB,
    }
    return render(request, "materials/library.html", context)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """我的学习资料: the materials of the trainee's classes and the learner's courses."""
    found = selectors.my_materials(request.user)
    names = subject_names(include_inactive=True)
    context = {
        "by_class": found["classes"],
        "by_course": found["courses"],
        "subjects": names,
    }
    return render(request, "materials/mine.html", context)


@login_required
def detail(request: HttpRequest, material_id: int) -> HttpResponse:
    material = selectors.access_material(request.user, material_id)
    can_manage = selectors.may_manage(request.user, material)
    names = subject_names(include_inactive=True)
    versions = selectors.versions_of(material)
    form = MaterialForm(
        initial={
            "title": material.title,
            "subject": material.subject,
            "author": material.author,
            "teacher_id": material.teacher_id or "",
            "description": material.description,
        },
        actor=request.user,
    )
    linked_classes = selectors.linked_classes(request.user, material)
    linked_courses = selectors.linked_courses(request.user, material)
    managed, authored = class_choices(request.user), course_choices(request.user)
    attached = {c["training_class_id"] for c in linked_classes}
    attached_courses = {c["course_id"] for c in linked_courses}
    context = {
        "m": material,
        "subject": names.get(material.subject, material.subject),
        "versions": versions,
        "type_labels": content.TYPE_LABELS,
        "can_manage": can_manage,
        "form": form,
        "classes": linked_classes,
        "courses": linked_courses,
        "class_choices": [c for c in managed if c[0] not in attached],
        "course_choices": [c for c in authored if c[0] not in attached_courses],
        "class_manager": bool(managed),
        "course_author": bool(authored),
        "history": audit_events_of(object_type="material", object_id=material.pk, limit=30),
        "accept": content.ACCEPT,
        "max_mb": content.MAX_FILE_BYTES // content.MIB,
    }
    return render(request, "materials/detail.html", context)


def _to_detail(material_id: int) -> str:
    return f"/materials/{material_id}/"


@login_required
@require_POST
def edit(request: HttpRequest, material_id: int) -> HttpResponse:
    form = MaterialForm(request.POST, actor=request.user)
    return act_then_redirect(
        request,
        _("资料信息已保存"),
        lambda: services.material_update(
            actor=request.user, material_id=material_id, **form.facts()
        ),
        _to_detail(material_id),
    )


@login_required
@require_POST
def version_add(request: HttpRequest, material_id: int) -> HttpResponse:
    def call() -> object:
        upload = _upload(request)
        return services.material_version_add(
            actor=request.user,
            material_id=material_id,
            filename=upload.name or "",
            size=upload.size or 0,
            chunks=upload.chunks(),
            note=request.POST.get("note", ""),
        )

    return act_then_redirect(
        request, _("新版本已上传，并设为当前版本"), call, _to_detail(material_id)
    )


@login_required
@require_POST
def version_current(request: HttpRequest, material_id: int, number: int) -> HttpResponse:
    return act_then_redirect(
        request,
        _("已设为当前版本"),
        lambda: services.material_version_make_current(
            actor=request.user, material_id=material_id, number=number
        ),
        _to_detail(material_id),
    )


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise NotFound(_("培训班或课程不存在或无权访问")) from None


@login_required
@require_POST
def attach_class(request: HttpRequest, material_id: int) -> HttpResponse:
    return act_then_redirect(
        request,
        _("资料已关联到培训班，学员可以下载当前版本"),
        lambda: services.material_attach_class(
            actor=request.user,
            material_id=material_id,
            class_id=_int(request.POST.get("class_id", "")),
        ),
        _to_detail(material_id),
    )


@login_required
@require_POST
def detach_class(request: HttpRequest, material_id: int, class_id: int) -> HttpResponse:
    return act_then_redirect(
        request,
        _("已取消与培训班的关联"),
        lambda: services.material_detach_class(
            actor=request.user, material_id=material_id, class_id=class_id
        ),
        _to_detail(material_id),
    )


@login_required
@require_POST
def attach_course(request: HttpRequest, material_id: int) -> HttpResponse:
    return act_then_redirect(
        request,
        _("资料已关联到网络课程"),
        lambda: services.material_attach_course(
            actor=request.user,
            material_id=material_id,
            course_id=_int(request.POST.get("course_id", "")),
        ),
        _to_detail(material_id),
    )


@login_required
@require_POST
def detach_course(request: HttpRequest, material_id: int, course_id: int) -> HttpResponse:
    return act_then_redirect(
        request,
        _("已取消与课程的关联"),
        lambda: services.material_detach_course(
            actor=request.user, material_id=material_id, course_id=course_id
        ),
        _to_detail(material_id),
    )


@login_required
def download(request: HttpRequest, material_id: int, number: int | None = None) -> HttpResponseBase:
    """A version's file (the current one without a number) as an attachment under the name
    it was uploaded with; trainees and learners get the current version only."""
    version = selectors.version_for_download(request.user, material_id, number)
    return serve_file(
        request,
        services.file_path(version),
        content.MIME_TYPES.get(version.file_type, "application/octet-stream"),
        attachment=version.filename,
    )
