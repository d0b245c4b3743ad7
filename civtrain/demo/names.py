"""Plausible Chinese names: surnames by frequency, given names from common characters."""

import random

# The most common surnames with their approximate share of the population (per mille),
# after the 2020 census tables; enough to look like a real roster.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 72.5), ("李", 71.9), ("张", 68.3), ("刘", 53.8), ("陈", 45.3), ("杨", 30.8),
    ("赵", 22.9), ("黄", 22.3), ("周", 18.9), ("吴", 20.5), ("徐", 14.5), ("孙", 13.8),
    ("胡", 11.6), ("朱", 12.8), ("高", 10.0), ("林", 10.0), ("何", 10.6), ("郭", 11.5),
    ("马", 12.9), ("罗", 9.5), ("梁", 8.6), ("宋", 7.2), ("郑", 8.7), ("谢", 7.7),
    ("韩", 6.3), ("唐", 7.1), ("冯", 6.2), ("于", 5.1), ("董", 5.3), ("萧", 1.0),
    ("程", 4.5), ("曹", 6.1), ("袁", 5.2), ("邓", 6.2), ("许", 6.6), ("傅", 2.6),
    ("沈", 3.8), ("曾", 5.8), ("彭", 5.9), ("吕", 4.1), ("苏", 4.3), ("卢", 3.6),
    ("蒋", 4.9), ("蔡", 4.8), ("贾", 2.7), ("丁", 4.0), ("魏", 4.2), ("薛", 2.2),
    ("叶", 4.5), ("阎", 1.2), ("余", 4.7), ("潘", 5.1), ("杜", 4.6), ("戴", 1.5),
    ("夏", 2.7), ("钟", 3.3), ("汪", 3.0), ("田", 5.5), ("任", 3.9), ("姜", 3.5),
    ("范", 3.0), ("方", 2.5), ("石", 2.9), ("姚", 3.6), ("谭", 3.2), ("廖", 2.8),
    ("邹", 2.4), ("熊", 2.4), ("金", 2.9), ("陆", 3.1), ("郝", 1.8), ("孔", 1.4),
    ("白", 2.5), ("崔", 3.4), ("康", 1.1), ("毛", 1.9), ("邱", 2.3), ("秦", 2.3),
    ("江", 2.3), ("史", 2.1), ("顾", 1.9), ("侯", 2.1), ("邵", 1.7), ("孟", 2.4),
    ("龙", 2.1), ("万", 1.7), ("段", 2.2), ("雷", 2.2), ("钱", 1.6), ("汤", 1.4),
    ("尹", 2.3), ("黎", 2.0), ("易", 1.3), ("常", 1.2), ("武", 1.5), ("乔", 1.0),
    ("贺", 2.0), ("赖", 1.3), ("龚", 1.8), ("文", 1.3), ("向", 1.4), ("冉", 0.6),
    ("欧阳", 0.5), ("司马", 0.1),
)  # fmt: skip
_SURNAME_NAMES = [s for s, _ in SURNAMES]
_SURNAME_CUM: list[float] = []
_total = 0.0
for _s, _w in SURNAMES:
    _total += _w
    _SURNAME_CUM.append(_total)

MALE_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建亮成峰东文志海国新博洋"
    "晨毅云彬昊睿轩宏泽翔鸿坤锋诚振刚德荣瑞哲远航楠川江山正义兵"
)
FEMALE_CHARS = (
    "芳娜敏静丽艳娟霞燕玲婷雪琳晶慧颖倩洁萍红梅莉丹琴蓉佳悦欣怡雯璐薇露瑶思梦妍月嘉蕾"
    "琪涵冰清秀英兰凤洁韵璇茜菲岚"
)


def person_name(rng: random.Random, *, female: bool) -> str:
    surname = rng.choices(_SURNAME_NAMES, cum_weights=_SURNAME_CUM)[0]
    pool = FEMALE_CHARS if female else MALE_CHARS
    # About one in five given names has a single character (王伟, 李娜).
    if rng.random() < 0.2:
        return surname + rng.choice(pool)
    first = rng.choice(pool)
    # Repeated characters (婷婷) are common for women, rare for men.
    if female and rng.random() < 0.08:
        return surname + first + first
    second = rng.choice(pool.replace(first, ""))
    return surname + first + second
