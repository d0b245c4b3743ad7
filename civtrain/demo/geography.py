"""The two demo cities: districts with their real region codes, bureaus, 乡镇/街道 (CQ-O2)."""

from dataclasses import dataclass
from enum import StrEnum


class UnitTag(StrEnum):
    """What a unit is like, which decides who works there."""

    GENERAL = "general"  # ordinary bureau: 综合管理类
    ENFORCEMENT = "enforcement"  # police, market regulation, justice: mostly 行政执法类 (CQ-T4b)
    INSPECTION = "inspection"  # bureaus with enforcement brigades: some staff flagged 行政执法
    PROFESSIONAL = "professional"  # statistics, big data: some 专业技术类
    GRASSROOTS = "grassroots"  # 乡镇/街道: everyone is grass-roots staff (CQ-T7)


@dataclass(frozen=True)
class Bureau:
    name: str  # without the city / district prefix
    tag: UnitTag
    weight: int  # relative head count


@dataclass(frozen=True)
class District:
    code: str  # GB/T 2260 region code, also the first six digits of locals' ID numbers
    name: str
    townships: tuple[str, ...]


@dataclass(frozen=True)
class City:
    code: str
    name: str
    short: str  # prefix of demo login names
    style: str  # whose policy the city follows (the rule set it will be bound to)
    districts: tuple[District, ...]
    bureaus: tuple[Bureau, ...]  # 市直 bureaus; the name is prefixed with "市"


_G, _E, _I, _P = UnitTag.GENERAL, UnitTag.ENFORCEMENT, UnitTag.INSPECTION, UnitTag.PROFESSIONAL

# 市直 bureaus; Chongqing says 委 where Zhengzhou says 局 for a few of them.
_CITY_BUREAUS_COMMON = (
    Bureau("人力社保局", _G, 8),
    Bureau("公安局", _E, 30),
    Bureau("司法局", _E, 8),
    Bureau("市场监管局", _E, 12),
    Bureau("财政局", _G, 7),
    Bureau("民政局", _G, 6),
    Bureau("生态环境局", _I, 7),
    Bureau("交通局", _I, 8),
    Bureau("应急管理局", _I, 6),
    Bureau("城市管理局", _I, 8),
    Bureau("规划自然资源局", _I, 8),
    Bureau("水利局", _I, 5),
    Bureau("林业局", _I, 4),
    Bureau("审计局", _G, 6),
    Bureau("统计局", _P, 5),
    Bureau("大数据发展局", _P, 4),
    Bureau("医保局", _G, 4),
    Bureau("退役军人事务局", _G, 4),
    Bureau("体育局", _G, 3),
    Bureau("机关事务管理局", _G, 3),
    Bureau("信访办", _G, 3),
)
_CQ_CITY_BUREAUS = (
    *_CITY_BUREAUS_COMMON,
    Bureau("发展改革委", _G, 8),
    Bureau("教委", _G, 6),
    Bureau("住房城乡建委", _I, 7),
    Bureau("农业农村委", _I, 6),
    Bureau("商务委", _G, 5),
    Bureau("文化旅游委", _I, 5),
    Bureau("卫生健康委", _I, 7),
)
_ZZ_CITY_BUREAUS = (
    *_CITY_BUREAUS_COMMON,
    Bureau("发展改革委", _G, 8),
    Bureau("教育局", _G, 6),
    Bureau("城乡建设局", _I, 7),
    Bureau("农业农村工作委员会", _I, 6),
    Bureau("商务局", _G, 5),
    Bureau("文化广电和旅游局", _I, 5),
    Bureau("卫生健康委", _I, 7),
)
# District bureaus; in a district the police bureau is a 分局.
DISTRICT_BUREAUS = (
    Bureau("人力社保局", _G, 5),
    Bureau("公安分局", _E, 18),
    Bureau("司法局", _E, 5),
    Bureau("市场监管局", _E, 8),
    Bureau("财政局", _G, 5),
    Bureau("发展改革委", _G, 4),
    Bureau("民政局", _G, 4),
    Bureau("生态环境局", _I, 4),
    Bureau("城市管理局", _I, 5),
    Bureau("应急管理局", _I, 4),
    Bureau("农业农村委", _I, 4),
    Bureau("卫生健康委", _I, 4),
    Bureau("审计局", _G, 3),
    Bureau("统计局", _P, 3),
)
TOWNSHIP_WEIGHT = 4

# Internal divisions: 处 in a city bureau, 科 in a district bureau.
CITY_DEPARTMENTS = ("办公室", "政策法规处", "组织人事处", "计划财务处")
DISTRICT_DEPARTMENTS = ("办公室", "法规科")
# Only the larger district bureaus have divisions of their own in the demo tree.
DISTRICT_BUREAUS_WITH_DEPARTMENTS = frozenset({"人力社保局", "公安分局", "司法局", "市场监管局"})


def _district(code: str, name: str, townships: tuple[str, ...]) -> District:
    return District(code, name, townships)


CHONGQING = City(
    code="500000",
    name="重庆市",
    short="cq",
    style="chongqing",
    bureaus=_CQ_CITY_BUREAUS,
    districts=(
        _district(
            "500103",
            "渝中区",
            (
                "解放碑街道",
                "朝天门街道",
                "七星岗街道",
                "大溪沟街道",
                "上清寺街道",
                "两路口街道",
                "大坪街道",
                "化龙桥街道",
            ),
        ),
        _district(
            "500105",
            "江北区",
            (
                "观音桥街道",
                "华新街街道",
                "五里店街道",
                "石马河街道",
                "大石坝街道",
                "寸滩街道",
                "鱼嘴镇",
                "复盛镇",
                "五宝镇",
            ),
        ),
        _district(
            "500106",
            "沙坪坝区",
            (
                "小龙坎街道",
                "沙坪坝街道",
                "渝碚路街道",
                "磁器口街道",
                "童家桥街道",
                "井口街道",
                "歌乐山街道",
                "青木关镇",
                "凤凰镇",
            ),
        ),
        _district(
            "500107",
            "九龙坡区",
            (
                "杨家坪街道",
                "黄桷坪街道",
                "谢家湾街道",
                "石坪桥街道",
                "石桥铺街道",
                "二郎街道",
                "含谷镇",
                "铜罐驿镇",
                "走马镇",
            ),
        ),
        _district(
            "500108",
            "南岸区",
            (
                "南坪街道",
                "铜元局街道",
                "花园路街道",
                "弹子石街道",
                "南山街道",
                "长生桥镇",
                "迎龙镇",
            ),
        ),
        _district(
            "500101",
            "万州区",
            (
                "高笋塘街道",
                "太白街道",
                "牌楼街道",
                "钟鼓楼街道",
                "百安坝街道",
                "龙都街道",
                "分水镇",
                "龙驹镇",
                "武陵镇",
                "甘宁镇",
            ),
        ),
        _district(
            "500236",
            "奉节县",
            (
                "永安街道",
                "夔门街道",
                "鱼复街道",
                "白帝镇",
                "草堂镇",
                "汾河镇",
                "康乐镇",
                "吐祥镇",
                "兴隆镇",
            ),
        ),
        _district(
            "500237",
            "巫山县",
            (
                "高唐街道",
                "龙门街道",
                "巫峡镇",
                "大昌镇",
                "福田镇",
                "庙宇镇",
                "官渡镇",
                "骡坪镇",
                "抱龙镇",
                "竹贤乡",
            ),
        ),
    ),
)

ZHENGZHOU = City(
    code="410100",
    name="郑州市",
    short="zz",
    style="zhengzhou",
    bureaus=_ZZ_CITY_BUREAUS,
    districts=(
        _district(
            "410105",
            "金水区",
            (
                "经八路街道",
                "花园路街道",
                "人民路街道",
                "杜岭街道",
                "大石桥街道",
                "南阳路街道",
                "文化路街道",
                "丰产路街道",
                "东风路街道",
                "北林路街道",
            ),
        ),
        _district(
            "410103",
            "二七区",
            (
                "淮河路街道",
                "解放路街道",
                "铭功路街道",
                "一马路街道",
                "蜜蜂张街道",
                "五里堡街道",
                "大学路街道",
                "建中街街道",
                "侯寨乡",
            ),
        ),
        _district(
            "410102",
            "中原区",
            (
                "林山寨街道",
                "建设路街道",
                "棉纺路街道",
                "秦岭路街道",
                "桐柏路街道",
                "三官庙街道",
                "绿东村街道",
                "汝河路街道",
                "须水街道",
            ),
        ),
        _district(
            "410104",
            "管城回族区",
            (
                "北下街街道",
                "西大街街道",
                "南关街道",
                "城东路街道",
                "东大街街道",
                "二里岗街道",
                "陇海马路街道",
                "紫荆山南路街道",
            ),
        ),
        _district(
            "410108",
            "惠济区",
            (
                "新城街道",
                "刘寨街道",
                "老鸦陈街道",
                "长兴路街道",
                "迎宾路街道",
                "大河路街道",
                "古荥镇",
                "花园口镇",
            ),
        ),
        _district(
            "410122",
            "中牟县",
            (
                "青年路街道",
                "东风路街道",
                "广惠街街道",
                "官渡镇",
                "狼城岗镇",
                "万滩镇",
                "韩寺镇",
                "郑庵镇",
                "雁鸣湖镇",
            ),
        ),
        _district(
            "410185",
            "登封市",
            (
                "嵩阳街道",
                "少林街道",
                "中岳街道",
                "大金店镇",
                "颍阳镇",
                "卢店镇",
                "告成镇",
                "君召乡",
                "石道乡",
            ),
        ),
        _district(
            "410184",
            "新郑市",
            (
                "新建路街道",
                "新华路街道",
                "新烟街道",
                "龙湖镇",
                "孟庄镇",
                "郭店镇",
                "薛店镇",
                "梨河镇",
                "辛店镇",
            ),
        ),
    ),
)

CITIES = (CHONGQING, ZHENGZHOU)


class Tier(StrEnum):
    CITY = "city"  # 市直 bureau
    DISTRICT = "district"  # district / county bureau
    TOWNSHIP = "township"  # 乡镇 / 街道


@dataclass(frozen=True)
class UnitInfo:
    """A unit of the demo tree as the people generator sees it."""

    code: str
    name: str
    city: City
    district: District | None
    tier: Tier
    tag: UnitTag
    weight: int
    departments: tuple[str, ...]  # codes of its internal divisions


def units_of(city: City) -> list[UnitInfo]:
    """Every unit of `city` in a fixed order, with the codes the org-tree step gives them."""
    units = []
    for i, b in enumerate(city.bureaus, start=1):
        code = f"{city.code}{i:03d}"
        units.append(
            UnitInfo(
                code=code,
                name=f"{city.name}{b.name}",
                city=city,
                district=None,
                tier=Tier.CITY,
                tag=b.tag,
                weight=b.weight,
                departments=tuple(f"{code}{k:02d}" for k in range(1, len(CITY_DEPARTMENTS) + 1)),
            )
        )
    for d in city.districts:
        for i, b in enumerate(DISTRICT_BUREAUS, start=1):
            code = f"{d.code}{i:03d}"
            depts = range(
                1,
                len(DISTRICT_DEPARTMENTS) + 1 if b.name in DISTRICT_BUREAUS_WITH_DEPARTMENTS else 1,
            )
            units.append(
                UnitInfo(
                    code=code,
                    name=f"{d.name}{b.name}",
                    city=city,
                    district=d,
                    tier=Tier.DISTRICT,
                    tag=b.tag,
                    weight=b.weight,
                    departments=tuple(f"{code}{k:02d}" for k in depts),
                )
            )
        for i, t in enumerate(d.townships, start=501):
            units.append(
                UnitInfo(
                    code=f"{d.code}{i:03d}",
                    name=f"{d.name}{t}",
                    city=city,
                    district=d,
                    tier=Tier.TOWNSHIP,
                    tag=UnitTag.GRASSROOTS,
                    weight=TOWNSHIP_WEIGHT,
                    departments=(),
                )
            )
    return units
