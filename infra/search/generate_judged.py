#!/usr/bin/env python3
"""A second judged relevance set for `ketnoi search-eval` (issue 20, item 4), generated from
the catalogue's own attributes instead of judged by eye.

Reads data/demo/listings.json, data/demo/cooperatives.json, data/categories.json (the taxonomy
the product compiles in, see services/domain/src/catalog.rs) and data/admin_units_hanoi.csv,
and writes data/search/generated.json in the shape of data/search/relevance.json.

Usage:  python3 infra/search/generate_judged.py [REPO_ROOT]
Standard library only; deterministic (fixed seed, sorted iteration): the same data always
gives the same file, byte for byte. The rules are in DESCRIPTION below (it is written into
the file) and every rule applies to every category, place, certification, band and kind
alike; nothing here names a single query except the out-of-catalogue list.
"""

import csv
import json
import os
import random
import re
import sys
import unicodedata

SEED = 20  # issue 20
# Grade-1 documents kept per query (all grade-3 and grade-2 documents are always kept).
MAX_GRADE_ONE = 30
# A price this close outside a band's bound (as a share of the bound) is a near miss.
PRICE_NEAR = 0.15
# A cooperative specialises in the leaf categories holding at least this share of its
# listings (all kinds).
SPECIALTY_SHARE = 1 / 3
# Round amounts shoppers write in price bands.
LADDER = [
    10_000, 20_000, 30_000, 50_000, 100_000, 150_000, 200_000, 300_000, 500_000,
    1_000_000, 1_500_000, 2_000_000, 3_000_000, 5_000_000, 10_000_000,
]
EXPERIENCE_GROUP = "trai-nghiem"

# Out-of-catalogue queries: electronics, appliances and services the marketplace does not
# sell. Their judgments are empty; the script checks that no document's text contains all of
# a query's words (compared without diacritics).
OUT_OF_CATALOGUE = [
    "máy giặt",
    "điện thoại samsung",
    "laptop",
    "sửa xe máy",
    "iphone 15",
    "máy hút bụi",
    "điều hòa daikin",
    "tai nghe bluetooth",
    "nồi cơm điện",
    "tivi sony",
]

DESCRIPTION = (
    "Generated relevance set for Ketnoi search over the demo data, made by "
    "infra/search/generate_judged.py from the catalogue's attributes, never judged by eye "
    "(regenerate with `python3 infra/search/generate_judged.py`; deterministic). Used by "
    "`ketnoi search-eval` next to the hand-judged data/search/relevance.json; same shape; "
    "document ids are dataset external ids (listings 'lst-NNNN', cooperatives their 'id'). "
    "No query has filters: the text carries the meaning. Every rule below applies to every "
    "category, place, certification, band and kind alike. "
    "ATTRIBUTES. Category: a leaf of data/categories.json, or a group (= all its leaves). "
    "Place: a commune short_name from data/admin_units_hanoi.csv, or an old (pre-2025) "
    "district without its type word ('Gia Lâm' for 'Huyện Gia Lâm'); a listing is in place P "
    "exactly when its commune's short_name is P or its commune's legacy_district_main is P, "
    "and nearly when P is only one of the other legacy_districts its commune took territory "
    "from (names compared in NFC, lower case, new-style tone placement). Certification: "
    "'hữu cơ'/'organic' = huu_co, 'VietGAP' = vietgap, 'OCOP' = any OCOP stars, 'OCOP n sao' "
    "= exactly n stars (another star count is near). Price: the listing's lowest price, "
    "min(price_vnd, price_tiers[].price_vnd); 'dưới X'/'under X' = price < X, 'trên X'/'over "
    "X' = price > X, 'từ A đến B'/'A - B'/'A to B' = A < price < B; the bounds are round "
    "amounts (10k, 20k, 30k, 50k, 100k, 150k, 200k, 300k, 500k, 1, 1.5, 2, 3, 5, 10 triệu) "
    "that no listing of the category costs exactly, picked from the category's own prices so "
    "that the share inside is 20–60% and closest to 40% (under) or 35% (over), and 25–70% "
    "and closest to 45% for a range with B ≤ 4A; a price at most 15% outside a bound is "
    "near. Kind: 'sỉ'/'bán sỉ'/'wholesale' = dataset kind wholesale, 'trải nghiệm'/"
    "'experience' = kind experience. Experiences are filed under the Trải nghiệm leaves "
    "(workshop, tour, homestay), so for a query asking for experiences an experience listing "
    "belongs to category C when its cooperative specialises in C. A cooperative specialises "
    "in the leaf categories holding at least a third of its listings (all kinds). "
    "QUERIES. head = the first part of a Vietnamese category name before ',' or '&', lower "
    "case ('gốm sứ', 'rau', 'giò chả'; groups 'thủ công mỹ nghệ', 'nông sản', 'hoa', 'trải "
    "nghiệm'); English = the whole English name, lower case. For every leaf in id order, then "
    "every group: category = the head and the whole Vietnamese name (leaves and groups); "
    "category_place = head + place (leaves), for up to 3 places among the communes and main "
    "old districts of the leaf's listings: the commune with most listings, the district with "
    "most listings, and one more drawn with the fixed seed; category_cert = head + 'hữu cơ', "
    "'VietGAP', 'OCOP', and 'OCOP n sao' for each star count when the category's OCOP "
    "listings have more than one (leaves and groups); category_price = head + the under band "
    "in two spellings ('dưới 100k', 'dưới 100.000đ', 'dưới 100 nghìn', 'dưới 1 triệu'), the "
    "range ('từ 100k đến 300k', '100k - 300k') and the over band ('trên 1 triệu', 'trên "
    "1,5 triệu') (leaves; spellings rotate by the leaf's position); category_kind = head with "
    "'bán sỉ'/'sỉ' before or after it (two forms per category) and 'trải nghiệm' + head "
    "(leaves and groups); category_multi = head + two attributes among the first two places, "
    "the certifications, the under/over bands and wholesale, up to two combinations per leaf drawn "
    "with the fixed seed; english = the English name alone and with 'organic'/'VietGAP'/"
    "'OCOP' before it, 'wholesale' before it, 'experience' after it and the under band "
    "('under 200k', 'under 1 million') after it (leaves), and the group names; no_diacritics "
    "= the head, the first place query and the first certification query of every leaf, with "
    "diacritics removed (đ → d); out_of_catalogue = ten electronics/appliance/service queries "
    "(the script checks that no listing's or cooperative's text and no category name has all "
    "of a query's words) with EMPTY judgments, scored 1.0 (nDCG and recall) when the search "
    "returns nothing and 0.0 when it returns anything. A query is kept only when some listing "
    "gets grade 3 and, when it names anything but places, some judged listing gets less (the "
    "attribute makes a difference); a query text already made is not repeated. "
    "GRADES. A listing of the category (leaf equal to the query's leaf or in the query's "
    "group): 3 when it matches every attribute the query names exactly; 2 when exactly one "
    "attribute is not matched exactly and either that one is a near miss or the query names "
    "two or more attributes ('all but one'); 1 otherwise (the category only). Listings outside "
    "the category are not judged, whatever else they match: a sibling category is not a "
    "substitute. Experiences of a cooperative specialised in the category, when the query "
    "does not ask for experiences: 1 on category-only queries and on place queries whose "
    "place they match exactly, else not judged. Cooperatives specialised in the category, "
    "only on category and place queries (they have no price or kind, and their "
    "certifications are a union over their listings): 2 on a category-only query or when the "
    "place matches exactly, 1 otherwise. english and no_diacritics queries are graded as the "
    "Vietnamese query they translate or strip. Per query every grade-3 and grade-2 document "
    "is listed and at most 30 grade-1 documents (a seeded sample when there are more), so "
    "recall@10 (grade ≥ 2 relevant, denominator capped at 10) and the ideal DCG are exact; an "
    "unlisted grade-1 document that is retrieved counts 0 instead of 1."
)


# ---------------------------------------------------------------------------------------
# Text


def nfc(s):
    return unicodedata.normalize("NFC", s)


_OLD_TONES = {
    # Old-style tone placement on the second vowel of an open oa/oe/uy ending → new style.
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}
_OLD_TONE_RE = re.compile("(" + "|".join(_OLD_TONES) + r")(?![\w])", re.IGNORECASE)


def place_key(s):
    """A place name for comparison: NFC, lower case, new-style tone placement."""
    s = nfc(s).lower()
    return _OLD_TONE_RE.sub(lambda m: _OLD_TONES[m.group(1).lower()], s)


def strip_diacritics(s):
    s = s.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", s)
    return nfc("".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def words_ascii(s):
    return re.findall(r"[a-z0-9]+", strip_diacritics(s).lower())


DISTRICT_PREFIXES = ("Quận ", "Huyện ", "Thị xã ", "Thành phố ")


def district_name(full):
    for p in DISTRICT_PREFIXES:
        if full.startswith(p):
            return full[len(p):]
    return full


def head_vi(name):
    return re.split(r"\s*[,&]\s*", name)[0].strip().lower()


# ---------------------------------------------------------------------------------------
# Money


def money_k(v):
    if v >= 1_000_000:
        m, r = divmod(v, 1_000_000)
        return f"{m} triệu" if r == 0 else f"{m}tr{r // 100_000}"
    return f"{v // 1000}k"


def money_dong(v):
    return f"{v:,}".replace(",", ".") + "đ"


def money_nghin(v):
    if v >= 1_000_000:
        m, r = divmod(v, 1_000_000)
        return f"{m} triệu" if r == 0 else f"{m},{r // 100_000} triệu"
    return f"{v // 1000} nghìn"


def money_en(v):
    if v >= 1_000_000:
        m, r = divmod(v, 1_000_000)
        return f"{m} million" if r == 0 else f"{m}.{r // 100_000} million"
    return f"{v // 1000}k"


# ---------------------------------------------------------------------------------------
# Data


def load(root):
    def j(p):
        with open(os.path.join(root, p), encoding="utf-8") as f:
            return json.load(f)

    listings = j("data/demo/listings.json")
    coops = j("data/demo/cooperatives.json")
    taxonomy = j("data/categories.json")
    with open(os.path.join(root, "data/admin_units_hanoi.csv"), encoding="utf-8") as f:
        units = {r["code"]: r for r in csv.DictReader(f)}
    return listings, coops, taxonomy, units


class Catalogue:
    def __init__(self, listings, coops, taxonomy, units):
        self.cats = {c["id"]: c for c in taxonomy["categories"]}
        self.groups = sorted(c for c, v in self.cats.items() if v["parent"] is None)
        self.leaves = sorted(c for c, v in self.cats.items() if v["parent"] is not None)
        self.listings = sorted(listings, key=lambda l: l["id"])
        self.coops = sorted(coops, key=lambda c: c["id"])
        self.units = units
        self.coop_by_id = {c["id"]: c for c in self.coops}
        for l in self.listings:
            l["_price"] = min([l["price_vnd"]] + [t["price_vnd"] for t in l["price_tiers"]])
        # Specialties: leaves holding at least a third of the cooperative's listings.
        counts = {}
        for l in self.listings:
            counts.setdefault(l["cooperative_id"], {}).setdefault(l["category"], 0)
            counts[l["cooperative_id"]][l["category"]] += 1
        self.specialty = {}
        for c in self.coops:
            cc = counts.get(c["id"], {})
            n = sum(cc.values())
            self.specialty[c["id"]] = {
                cat for cat, k in cc.items() if n and k >= SPECIALTY_SHARE * n - 1e-9
            }

    def leaves_of(self, cat):
        if self.cats[cat]["parent"] is None:
            return {c for c in self.leaves if self.cats[c]["parent"] == cat}
        return {cat}

    def is_experience_leaf(self, leaf):
        return self.cats[leaf]["parent"] == EXPERIENCE_GROUP

    def places_of(self, code):
        """(exact place keys, near place keys) of a commune."""
        u = self.units[code]
        exact = {place_key(u["short_name"]), place_key(district_name(u["legacy_district_main"]))}
        near = {place_key(district_name(d)) for d in u["legacy_districts"].split("|") if d}
        return exact, near - exact


# ---------------------------------------------------------------------------------------
# Attributes of a query and how a listing matches them: 2 exact, 1 near, 0 miss.


class Place:
    kind = "place"

    def __init__(self, name):
        self.name = name
        self.key = place_key(name)

    def match(self, cat, l):
        exact, near = cat.places_of(l["commune_code"])
        return 2 if self.key in exact else 1 if self.key in near else 0

    def describe(self):
        return f"place {self.name}"


class Cert:
    kind = "cert"

    def __init__(self, code, stars=None):
        self.code, self.stars = code, stars

    def match(self, cat, l):
        if self.code == "ocop":
            if l["ocop_stars"] <= 0:
                return 0
            if self.stars is None or l["ocop_stars"] == self.stars:
                return 2
            return 1
        return 2 if self.code in l["certifications"] else 0

    def words_vi(self):
        if self.code == "huu_co":
            return "hữu cơ"
        if self.code == "vietgap":
            return "VietGAP"
        return "OCOP" if self.stars is None else f"OCOP {self.stars} sao"

    def words_en(self):
        if self.code == "huu_co":
            return "organic"
        if self.code == "vietgap":
            return "VietGAP"
        return "OCOP" if self.stars is None else f"OCOP {self.stars} star"

    def describe(self):
        s = f" {self.stars} stars" if self.stars else ""
        return f"certification {self.code}{s}"


class Price:
    kind = "price"

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi  # exclusive bounds; None = open

    def match(self, cat, l):
        p = l["_price"]
        inside = (self.lo is None or p > self.lo) and (self.hi is None or p < self.hi)
        if inside:
            return 2
        near_lo = self.lo is not None and self.lo * (1 - PRICE_NEAR) <= p <= self.lo
        near_hi = self.hi is not None and self.hi <= p <= self.hi * (1 + PRICE_NEAR)
        return 1 if near_lo or near_hi else 0

    def words_vi(self, style):
        if self.lo is None:
            return f"dưới {style(self.hi)}"
        if self.hi is None:
            return f"trên {style(self.lo)}"
        if style is money_dong:
            return f"{money_k(self.lo)} - {money_k(self.hi)}"
        return f"từ {style(self.lo)} đến {style(self.hi)}"

    def words_en(self):
        if self.lo is None:
            return f"under {money_en(self.hi)}"
        if self.hi is None:
            return f"over {money_en(self.lo)}"
        return f"{money_en(self.lo)} to {money_en(self.hi)}"

    def describe(self):
        return f"price in ({self.lo or 0}, {self.hi or '∞'}) đồng"


class Kind:
    kind = "kind"

    def __init__(self, code):
        self.code = code  # wholesale | experience

    def match(self, cat, l):
        return 2 if l["kind"] == self.code else 0

    def describe(self):
        return f"kind {self.code}"


# ---------------------------------------------------------------------------------------
# Grading


def grade_listing(cat, leaves, attrs, l):
    """Grade (0 = not judged) of a listing for a query on `leaves` with `attrs`."""
    asks_experience = any(a.kind == "kind" and a.code == "experience" for a in attrs)
    in_category = l["category"] in leaves
    coop_special = cat.specialty[l["cooperative_id"]] & leaves
    specialist_experience = (
        not in_category
        and l["kind"] == "experience"
        and any(not cat.is_experience_leaf(c) for c in coop_special)
    )
    if specialist_experience and asks_experience:
        in_category = True
    if in_category:
        levels = [a.match(cat, l) for a in attrs]
        misses = [v for v in levels if v < 2]
        if not misses:
            return 3
        if len(misses) == 1 and (misses[0] == 1 or len(attrs) >= 2):
            return 2
        return 1
    if specialist_experience:
        if all(a.kind == "place" for a in attrs) and all(a.match(cat, l) == 2 for a in attrs):
            return 1
    return 0


def grade_coop(cat, leaves, attrs, c):
    if not (cat.specialty[c["id"]] & leaves):
        return 0
    if any(a.kind != "place" for a in attrs):
        return 0
    exact, _ = cat.places_of(c["commune_code"])
    if all(a.key in exact for a in attrs):
        return 2
    return 1


def judge(cat, leaves, attrs):
    """All judged documents of a query, best grade first."""
    grades = {}
    for l in cat.listings:
        g = grade_listing(cat, leaves, attrs, l)
        if g:
            grades[l["id"]] = g
    for c in cat.coops:
        g = grade_coop(cat, leaves, attrs, c)
        if g:
            grades[c["id"]] = g
    return grades


def cap(grades, rng):
    """Keeps every grade-3 and grade-2 document and at most MAX_GRADE_ONE grade-1 ones."""
    ones = sorted(d for d, g in grades.items() if g == 1)
    if len(ones) > MAX_GRADE_ONE:
        keep = set(rng.sample(ones, MAX_GRADE_ONE))
        grades = {d: g for d, g in grades.items() if g > 1 or d in keep}
    return dict(sorted(grades.items(), key=lambda kv: (-kv[1], kv[0])))


def discriminates(grades, attrs):
    """At least one listing matches the query fully (grade 3) and, unless the query only
    names places, at least one judged listing does not: the attribute makes a difference."""
    listings = [g for d, g in grades.items() if d.startswith("lst-")]
    if 3 not in listings:
        return False
    return all(a.kind == "place" for a in attrs) or any(g < 3 for g in listings)


# ---------------------------------------------------------------------------------------
# Attribute candidates per category


def place_candidates(cat, leaf, rng):
    """Up to three places: the commune with most listings, the old district with most
    listings, then one more drawn with the seed."""
    communes, districts = {}, {}
    for l in cat.listings:
        if l["category"] != leaf:
            continue
        u = cat.units[l["commune_code"]]
        communes[u["short_name"]] = communes.get(u["short_name"], 0) + 1
        d = district_name(u["legacy_district_main"])
        districts[d] = districts.get(d, 0) + 1
    order = lambda d: sorted(d, key=lambda k: (-d[k], k))  # noqa: E731
    picked = []
    for name in order(communes)[:1] + order(districts)[:1]:
        if place_key(name) not in {place_key(p) for p in picked}:
            picked.append(name)
    rest = sorted(
        {n for n in list(communes) + list(districts)} - set(picked), key=place_key
    )
    if rest:
        picked.append(rng.choice(rest))
    return [Place(p) for p in picked]


def cert_candidates(cat, leaves):
    out = [Cert("huu_co"), Cert("vietgap"), Cert("ocop")]
    stars = sorted(
        {l["ocop_stars"] for l in cat.listings if l["category"] in leaves and l["ocop_stars"] > 0}
    )
    if len(stars) > 1:
        out += [Cert("ocop", s) for s in stars]
    return out


def pick_bound(prices, share_fn, target, lo=0.2, hi=0.6):
    best = None
    for x in LADDER:
        if x in prices:
            continue
        s = share_fn(x)
        if lo <= s <= hi:
            key = (abs(s - target), x)
            if best is None or key < best[0]:
                best = (key, x)
    return None if best is None else best[1]


def price_bands(cat, leaf):
    prices = sorted(l["_price"] for l in cat.listings if l["category"] == leaf)
    n = len(prices)
    under = pick_bound(prices, lambda x: sum(p < x for p in prices) / n, 0.4)
    over = pick_bound(prices, lambda x: sum(p > x for p in prices) / n, 0.35)
    best = None
    for i, a in enumerate(LADDER):
        for b in LADDER[i + 1:]:
            if a in prices or b in prices or b > 4 * a:
                continue
            s = sum(a < p < b for p in prices) / n
            if 0.25 <= s <= 0.7:
                key = (abs(s - 0.45), a, b)
                if best is None or key < best[0]:
                    best = (key, a, b)
    bands = {}
    if under:
        bands["under"] = Price(None, under)
    if best:
        bands["range"] = Price(best[1], best[2])
    if over:
        bands["over"] = Price(over, None)
    return bands


# ---------------------------------------------------------------------------------------
# Generation


class Builder:
    def __init__(self, cat, rng):
        self.cat, self.rng = cat, rng
        self.queries = []
        self.texts = set()

    def add(self, qtype, text, leaves, attrs, note):
        text = nfc(re.sub(r"\s+", " ", text).strip())
        if text.lower() in self.texts:
            return None
        grades = judge(self.cat, leaves, attrs)
        if 3 not in grades.values() or (attrs and not discriminates(grades, attrs)):
            return None
        j = cap(grades, self.rng)
        self.texts.add(text.lower())
        q = {"type": qtype, "q": text, "judgments": j, "note": nfc(note)}
        self.queries.append(q)
        return q


def describe(cat_id, attrs):
    parts = [f"category {cat_id}"] + [a.describe() for a in attrs]
    return "; ".join(parts)


def generate(cat):
    rng = random.Random(SEED)
    b = Builder(cat, rng)
    names = {c: cat.cats[c] for c in cat.cats}

    def head(c):
        return head_vi(names[c]["name_vi"])

    def en(c):
        return names[c]["name_en"].lower()

    # category: leaves (head and full name), then groups.
    for c in cat.leaves:
        b.add("category", head(c), {c}, [], describe(c, []))
        b.add("category", names[c]["name_vi"].lower(), {c}, [], describe(c, []))
    for g in cat.groups:
        b.add("category", head(g), cat.leaves_of(g), [], describe(g, []))
        b.add("category", names[g]["name_vi"].lower(), cat.leaves_of(g), [], describe(g, []))

    # category_place
    places = {}
    for c in cat.leaves:
        places[c] = place_candidates(cat, c, rng)
        for p in places[c]:
            b.add("category_place", f"{head(c)} {p.name}", {c}, [p], describe(c, [p]))

    # category_cert (leaves, then groups)
    certs = {}
    for c in cat.leaves + cat.groups:
        leaves = cat.leaves_of(c)
        certs[c] = []
        for a in cert_candidates(cat, leaves):
            if b.add("category_cert", f"{head(c)} {a.words_vi()}", leaves, [a], describe(c, [a])):
                certs[c].append(a)

    # category_price
    bands = {}
    for i, c in enumerate(cat.leaves):
        bands[c] = price_bands(cat, c)
        under_styles = [(money_k, money_dong), (money_dong, money_nghin), (money_nghin, money_k)]
        for style in under_styles[i % 3]:
            if "under" in bands[c]:
                a = bands[c]["under"]
                b.add("category_price", f"{head(c)} {a.words_vi(style)}", {c}, [a], describe(c, [a]))
        if "range" in bands[c]:
            a = bands[c]["range"]
            style = [money_k, money_dong, money_nghin][i % 3]
            b.add("category_price", f"{head(c)} {a.words_vi(style)}", {c}, [a], describe(c, [a]))
        if "over" in bands[c]:
            a = bands[c]["over"]
            style = [money_nghin, money_k][i % 2]
            b.add("category_price", f"{head(c)} {a.words_vi(style)}", {c}, [a], describe(c, [a]))

    # category_kind
    wholesale, experience = Kind("wholesale"), Kind("experience")
    for i, c in enumerate(cat.leaves + cat.groups):
        leaves = cat.leaves_of(c)
        text = head(c)
        forms = [f"{text} bán sỉ", f"sỉ {text}", f"bán sỉ {text}", f"{text} sỉ"]
        for f in (forms[i % 4], forms[(i + 1) % 4]):
            b.add("category_kind", f, leaves, [wholesale], describe(c, [wholesale]))
        b.add("category_kind", f"trải nghiệm {text}", leaves, [experience],
              describe(c, [experience]))

    # category_multi: two attributes, up to two combinations per leaf.
    for c in cat.leaves:
        options = []
        ps = places[c][:2]
        cs = [a for a in certs[c] if a.stars is None]
        bs = [bands[c][k] for k in ("under", "over") if k in bands[c]]
        for p in ps:
            for a in cs:
                options.append((f"{head(c)} {a.words_vi()} {p.name}", [p, a]))
            for a in bs:
                options.append((f"{head(c)} {p.name} {a.words_vi(money_k)}", [p, a]))
            options.append((f"{head(c)} {p.name} bán sỉ", [p, wholesale]))
        for a in cs:
            for pb in bs:
                options.append((f"{head(c)} {a.words_vi()} {pb.words_vi(money_k)}", [a, pb]))
            options.append((f"bán sỉ {head(c)} {a.words_vi()}", [wholesale, a]))
        for pb in bs:
            options.append((f"sỉ {head(c)} {pb.words_vi(money_k)}", [wholesale, pb]))
        rng.shuffle(options)
        made = 0
        for text, attrs in options:
            if made == 2:
                break
            if b.add("category_multi", text, {c}, attrs, describe(c, attrs)):
                made += 1

    # english
    for c in cat.leaves:
        leaves = {c}
        b.add("english", en(c), leaves, [], describe(c, []))
        for a in certs[c]:
            if a.stars is None:
                b.add("english", f"{a.words_en()} {en(c)}", leaves, [a], describe(c, [a]))
        b.add("english", f"wholesale {en(c)}", leaves, [wholesale], describe(c, [wholesale]))
        b.add("english", f"{en(c)} experience", leaves, [experience], describe(c, [experience]))
        if "under" in bands[c]:
            a = bands[c]["under"]
            b.add("english", f"{en(c)} {a.words_en()}", leaves, [a], describe(c, [a]))
    for g in cat.groups:
        b.add("english", en(g), cat.leaves_of(g), [], describe(g, []))

    # no_diacritics: the head, one place query and one certification query per leaf.
    for c in cat.leaves:
        b.add("no_diacritics", strip_diacritics(head(c)), {c}, [], describe(c, []))
        for p in places[c][:1]:
            b.add("no_diacritics", strip_diacritics(f"{head(c)} {p.name}"), {c}, [p],
                  describe(c, [p]))
        for a in certs[c][:1]:
            b.add("no_diacritics", strip_diacritics(f"{head(c)} {a.words_vi()}"), {c}, [a],
                  describe(c, [a]))

    queries = b.queries
    # out_of_catalogue
    haystacks = [
        set(words_ascii(" ".join([l["title"], l["title_en"], l["description"]])))
        for l in cat.listings
    ] + [set(words_ascii(" ".join([c["name"], c["description"]]))) for c in cat.coops]
    haystacks += [
        set(words_ascii(v["name_vi"] + " " + v["name_en"])) for v in cat.cats.values()
    ]
    for text in OUT_OF_CATALOGUE:
        ws = set(words_ascii(text))
        clash = [h for h in haystacks if ws <= h]
        if clash:
            sys.exit(f"out-of-catalogue query {text!r} is found in the catalogue")
        queries.append({
            "type": "out_of_catalogue",
            "q": nfc(text),
            "judgments": {},
            "note": "Not sold on the marketplace: no document's text has all its words.",
        })

    for i, q in enumerate(queries, 1):
        q["id"] = f"g{i:03d}"
    return [
        {k: q[k] for k in ("id", "type", "q", "judgments", "note")} for q in queries
    ]


def render(queries):
    lines = ["{", '  "version": 1,', f'  "description": {json.dumps(DESCRIPTION, ensure_ascii=False)},',
             '  "queries": [']
    for i, q in enumerate(queries):
        comma = "," if i + 1 < len(queries) else ""
        lines.append("    " + json.dumps(q, ensure_ascii=False) + comma)
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    cat = Catalogue(*load(root))
    queries = generate(cat)
    out = os.path.join(root, "data/search/generated.json")
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write(render(queries))
    counts = {}
    for q in queries:
        counts[q["type"]] = counts.get(q["type"], 0) + 1
    summary = ", ".join(f"{t} {n}" for t, n in counts.items())
    print(f"{len(queries)} queries ({summary}) → {os.path.relpath(out)}")


if __name__ == "__main__":
    main()
